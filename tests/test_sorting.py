"""The descending argsort of the Lovasz losses: the JAX radix path against numpy's stable argsort,
and the Lovasz losses through the fast path against the portable one."""

import keras
import numpy as np
import pytest

import imagelosses as il
from imagelosses import _sorting
from tests.conftest import BACKEND, assert_close, gradient


def _awkward_rows(rng, rows, length):
    """Random signed values with ties, zeros, -1e30 (a void pixel's error), +-inf and subnormals."""
    x = rng.standard_normal((rows, length)).astype(np.float32)
    x[:, ::5] = x[:, :1]  # a tie every 5 elements
    specials = np.array([0.0, -1e30, np.inf, -np.inf, 1e-40, -1e-40, 1.0, 3.4e38], np.float32)
    count = min(len(specials), length - 1)
    x[:, 1 : 1 + count] = specials[:count]
    return x


# 1 element (2 passes of 31 bits), powers of two at a pass boundary (2**16: 2 passes; 2**16 + 1:
# 3 passes), a length that is not a power of two, 2**21 + 3 (4 passes).
@pytest.mark.parametrize("length", [1, 2, 7, 1000, 65536, 65537, 2**21 + 3])
def test_radix_argsort_is_the_stable_descending_argsort(length, rng):
    rows = 1 if length > 100000 else 3
    x = _awkward_rows(rng, rows, length)
    order = np.asarray(_sorting.jax_radix_argsort_descending(x))
    np.testing.assert_array_equal(order, np.argsort(-x, axis=-1, kind="stable"))


def test_radix_argsort_sorts_every_axis_but_the_last_independently(rng):
    x = rng.random((2, 3, 50)).astype(np.float32)
    order = np.asarray(_sorting.jax_radix_argsort_descending(x))
    np.testing.assert_array_equal(order, np.argsort(-x, axis=-1, kind="stable"))


def test_the_radix_path_is_limited_to_rows_of_at_most_2_to_the_24():
    assert _sorting._position_bits(2**24) == 24 <= 32 - _sorting.MIN_DIGIT_BITS
    assert _sorting._position_bits(2**24 + 1) == 25 > 32 - _sorting.MIN_DIGIT_BITS


@pytest.mark.skipif(BACKEND != "jax", reason="the radix path is taken on the jax backend only")
@pytest.mark.parametrize(
    "loss, kwargs",
    [
        (il.lovasz_softmax_loss, {"ignore_class": 0}),
        (il.lovasz_softmax_loss, {"per_image": False, "classes": "all"}),
        (il.lovasz_hinge_loss, {}),
    ],
)
def test_lovasz_through_the_radix_path_equals_the_portable_argsort(loss, kwargs, rng, monkeypatch):
    import jax

    labels = rng.integers(0, 3, size=(2, 24, 20))
    y_true = np.eye(3, dtype=np.float32)[labels]
    logits = rng.normal(size=y_true.shape).astype(np.float32)
    y_pred = np.asarray(keras.ops.softmax(logits, axis=-1)) if loss is il.lovasz_softmax_loss else logits

    def value_and_grad():
        fn = jax.jit(lambda p: loss(y_true, p, **kwargs))
        return np.asarray(fn(y_pred)), gradient(lambda p: loss(y_true, p, **kwargs), y_pred, jit=True)

    fast = value_and_grad()
    monkeypatch.setattr(_sorting, "argsort_descending", _sorting.portable_argsort_descending)
    portable = value_and_grad()
    assert_close(fast[0], portable[0], rtol=0, atol=0)
    assert_close(fast[1], portable[1], rtol=0, atol=0)
