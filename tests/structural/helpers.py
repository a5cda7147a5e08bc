"""Compiled value-and-gradient for the structural tests: one jax compile per function and shape.

`tests.conftest.gradient` runs jax op by op (fine for one call); the degenerate-image and property
tests call the same function on many inputs of one shape, where a cached `jax.jit` is ~10x faster.
"""

import keras
import numpy as np

from tests.conftest import BACKEND, gradient, to_numpy


def value_and_gradient(fn):
    """`(t, p) -> (fn(t, p), d sum(fn(t, p)) / dp)` as float64 numpy, compiled once on jax."""
    if BACKEND == "jax":
        import jax

        step = jax.jit(
            jax.value_and_grad(
                lambda t, p: (lambda v: (keras.ops.sum(v), v))(fn(t, p)), argnums=1, has_aux=True
            )
        )

        def run(t, p):
            (_, values), grad = step(np.asarray(t, np.float32), np.asarray(p, np.float32))
            return to_numpy(values), np.asarray(grad, np.float64)

        return run

    def run(t, p):
        return to_numpy(fn(t, p)), gradient(lambda v: fn(t, v), p)

    return run
