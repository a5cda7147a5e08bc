"""The library's functions run the fastest exact way on the active backend: every CLI score.

`imagelosses compare` and the bake-off's held-out scores call `imagelosses.ssim`, `ms_ssim`,
`psnr`, `sobel_loss`, `vif_p` and `hausdorff_distance` once or a few times per image shape.
`call(fn, *arrays, **options)` runs `fn` as `compiled` builds it, once per function, options and
input shapes and dtypes (`_cache`). Measured with `python -m benchmarks.compiled_scores --size
1024 --calls 3` on the 2-core CPU (first call, then each later call of the same shape):

- jax: `jax.jit`. Op by op, jax dispatches and compiles each op on its own: `imagelosses
  --backend jax compare` on five 2048x2048 RGB PNG pairs took 270 s eagerly, 37 s jitted
  (2026-12-01, the machine shared).
- tensorflow: eagerly. TensorFlow's eager ops are whole kernels: `ssim` 0.28 s, then 0.12 s;
  `tf.function` 1.37 s, then 0.11 s; with XLA (`jit_compile=True`) 3.44 s, then 2.83 s.
- torch: eagerly. `ssim` 0.37 s, then 0.38 s; `torch.compile` 28.5 s, then 0.20 s.

The values are the functions' own: the jitted ones equal the eager ones to float32 rounding
(`tests/cli/test_compiled.py`). A `ValueError` the function raises (an image too small for
MS-SSIM's five scales) comes out of `call` as it is.
"""

from __future__ import annotations

import functools

import keras
import numpy as np

_cache: dict = {}


def _frozen(value):
    """A hashable form of an option value (lists become tuples)."""
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


def _signature(array) -> tuple:
    array = np.asarray(array)
    return tuple(array.shape), array.dtype.str


def compiled(fn, **options):
    """`fn(*arrays, **options)` as the active backend runs it fastest (not cached; see `call`)."""
    bound = functools.partial(fn, **options)
    if keras.backend.backend() == "jax":
        import jax

        return jax.jit(bound)
    return bound  # tensorflow and torch: eager is fastest for a few calls (module docstring)


def call(fn, *arrays, **options):
    """`fn(*arrays, **options)`, compiled once per function, options and input shapes and dtypes."""
    arrays = tuple(np.asarray(a) for a in arrays)
    key = (fn, tuple(sorted((k, _frozen(v)) for k, v in options.items())), tuple(map(_signature, arrays)))
    if key not in _cache:
        _cache[key] = compiled(fn, **options)
    return _cache[key](*arrays)
