"""`distance_transform` against scipy.ndimage.distance_transform_edt (float64), 2D and 3D."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from imagelosses.filters import distance as distance_module
from imagelosses.filters import distance_transform
from tests.conftest import BACKEND, compiled, gradient, to_numpy
from tests.reference.distance import reference_distance_transform

# Distances up to ~60: float32 sqrt of an exactly rounded square, a few ulps.
TOL = {"rtol": 1e-6, "atol": 1e-5}


def _check(x, spacing=None, spatial_dims=2, **kwargs):
    expected = reference_distance_transform(x, spacing, spatial_dims)
    fn = compiled(lambda v: distance_transform(v, spacing=spacing, **kwargs))
    actual = to_numpy(fn(x.astype("float32")))
    np.testing.assert_allclose(actual, expected, **TOL)


@pytest.mark.parametrize("spacing", [None, 0.7, (1.0, 2.5)])
def test_random_masks_2d(rng, spacing):
    x = (rng.random((2, 19, 27, 2)) > 0.25).astype("float32")
    _check(x, spacing)


@pytest.mark.parametrize("spacing", [None, (2.0, 0.8, 1.3)])
def test_random_masks_3d(rng, spacing):
    x = (rng.random((2, 7, 12, 10, 2)) > 0.15).astype("float32")
    _check(x, spacing, spatial_dims=3)


def test_sparse_zeros_and_foreground_touching_borders(rng):
    x = (rng.random((3, 24, 24, 1)) > 0.02).astype("float32")
    x[0] = 1.0
    x[0, 0, 0, 0] = 0.0  # a single zero in a corner: distances up to the far corner
    x[1] = 1.0
    x[1, :, 23, 0] = 0.0  # only the last column is background
    _check(x, (1.5, 0.5))


def test_single_pixels_and_thin_lines():
    x = np.ones((3, 15, 13, 1), "float32")
    x[0, 7, 6, 0] = 0.0  # one background pixel
    x[1, 4, :, 0] = 0.0  # a horizontal background line
    x[2] = 0.0
    x[2, :, 5, 0] = 1.0  # a one-pixel-wide foreground line: distance 1 on it
    x[2, 3, :, 0] = 1.0
    _check(x, (0.9, 1.7))


def test_channels_first_3d_and_sequences(rng):
    x = (rng.random((1, 6, 8, 9, 2)) > 0.2).astype("float32")  # channels_last volume
    expected = reference_distance_transform(x, (1.0, 2.0, 0.5), 3)
    first = np.moveaxis(x, -1, 1)
    actual = compiled(lambda v: distance_transform(v, spacing=(1.0, 2.0, 0.5), data_format="channels_first"))(
        first
    )
    np.testing.assert_allclose(np.moveaxis(to_numpy(actual), 1, -1), expected, **TOL)
    frames = (rng.random((2, 3, 10, 11, 1)) > 0.2).astype("float32")  # (B, T, H, W, C)
    expected = reference_distance_transform(frames.reshape(6, 10, 11, 1), 2.0).reshape(frames.shape)
    np.testing.assert_allclose(
        to_numpy(compiled(lambda v: distance_transform(v, spacing=2.0, spatial_dims=2))(frames)),
        expected,
        **TOL,
    )


def test_channel_without_zero_is_inf_and_all_zero_is_zero():
    x = np.ones((2, 5, 6, 2), "float32")
    x[1, ..., 1] = 0.0
    x[0, 2, 3, 1] = 0.0
    out = to_numpy(compiled(distance_transform)(x))
    assert np.all(np.isposinf(out[:, ..., 0]))
    assert np.all(out[1, ..., 1] == 0.0)
    assert np.isfinite(out[0, ..., 1]).all()


def test_chunked_passes_equal_one_block(rng, monkeypatch):
    x = (rng.random((2, 9, 21, 10, 1)) > 0.1).astype("float32")
    monkeypatch.setattr(distance_module, "CHUNK_ELEMENTS", 9 * 21 * 10 * 3)  # 3 rows per block
    _check(x, (1.0, 0.6, 2.0), spatial_dims=3)


@pytest.mark.skipif(
    BACKEND != "tensorflow",
    reason="BLOCK_ELEMENTS sizes the blocks of tensorflow only (torch eager: the next test)",
)
def test_cache_sized_blocks_equal_one_block(rng, monkeypatch):
    x = (rng.random((3, 17, 11, 2)) > 0.1).astype("float32")
    # The min-plus pass runs along the width (the longer height takes the nearest-zero pass):
    # 3 * 17 * 2 lines of 11, so blocks of 2 of the 11 positions, the last one partial
    monkeypatch.setattr(distance_module, "BLOCK_ELEMENTS", 3 * 17 * 2 * 11 * 2)
    starts = []
    block_map = distance_module.ops.map

    def spy(fn, xs):
        starts.append(tuple(xs.shape))
        return block_map(fn, xs)

    monkeypatch.setattr(distance_module.ops, "map", spy)
    _check(x, (1.0, 0.7))
    assert starts == [(6,)]  # the blocks were taken: 6 starts along the 11 positions


@pytest.mark.skipif(BACKEND != "torch", reason="torch_min_plus_pass is eager torch's fast path")
@pytest.mark.parametrize("block", [None, 3 * 11, 2 * 11 * 11 + 5], ids=["one_block", "positions", "lines"])
def test_torch_fast_path_equals_the_portable_passes(rng, monkeypatch, block):
    """Bit for bit: the same sums and minima, in the fast path's blocks (of 3 positions, the
    last one partial; of 2 whole lines of 11, the last one partial) or in one."""
    x = (rng.random((3, 7, 11, 9, 1)) > 0.1).astype("float32")
    x[0] = 1.0  # a volume without zero: inf everywhere
    x[1, :, :, 4] = 1.0
    spacing = (1.3, 0.7, 2.0)
    if block is not None:
        monkeypatch.setattr(distance_module, "TORCH_BLOCK_ELEMENTS", block)
    fast = to_numpy(distance_transform(x, spacing=spacing, spatial_dims=3))
    monkeypatch.setattr(distance_module, "torch_eager", lambda: False)
    portable = to_numpy(distance_transform(x, spacing=spacing, spatial_dims=3))
    np.testing.assert_array_equal(fast, portable)
    np.testing.assert_allclose(fast, reference_distance_transform(x, spacing, 3), **TOL)


@pytest.mark.skipif(BACKEND != "jax", reason="lax.cummax/cummin and the image blocks are jax's fast path")
def test_jax_fast_path_equals_the_portable_passes(rng, monkeypatch):
    """Bit for bit, on images (blocks of 4 of the 13 positions, the last one partial, against one
    block) with a channel without zero, and on a volume (at least two blocks against one)."""
    x = (rng.random((2, 29, 13, 2)) > 0.1).astype("float32")
    x[0, ..., 1] = 1.0
    monkeypatch.setattr(distance_module, "JAX_IMAGE_CHUNK_ELEMENTS", 29 * 13 * 2 * 3)
    fast = to_numpy(compiled(lambda v: distance_transform(v, spacing=(0.8, 1.9)))(x))
    monkeypatch.setattr(distance_module, "JAX_CUMULATIVE", False)
    monkeypatch.setattr(distance_module, "JAX_IMAGE_CHUNK_ELEMENTS", distance_module.CHUNK_ELEMENTS)
    monkeypatch.setattr(distance_module, "JAX_IMAGE_CHUNK_POSITIONS", 1)
    monkeypatch.setattr(distance_module, "JAX_MIN_BLOCKS", 1)
    portable = to_numpy(compiled(lambda v: distance_transform(v, spacing=(0.8, 1.9)))(x))
    np.testing.assert_array_equal(fast, portable)
    np.testing.assert_allclose(fast, reference_distance_transform(x, (0.8, 1.9)), **TOL)
    volume = (rng.random((1, 6, 9, 7, 1)) > 0.1).astype("float32")
    one_block = to_numpy(compiled(lambda v: distance_transform(v, spatial_dims=3))(volume))
    monkeypatch.setattr(distance_module, "JAX_MIN_BLOCKS", 2)
    two_blocks = to_numpy(compiled(lambda v: distance_transform(v, spatial_dims=3))(volume))
    np.testing.assert_array_equal(two_blocks, one_block)
    np.testing.assert_allclose(two_blocks, reference_distance_transform(volume, None, 3), **TOL)


def test_integer_and_bool_inputs_give_float32(rng):
    x = rng.random((1, 8, 8, 1)) > 0.3
    fn = compiled(distance_transform)
    out = fn(x)
    assert keras.backend.standardize_dtype(out.dtype) == "float32"
    np.testing.assert_allclose(to_numpy(out), to_numpy(fn(x.astype("int32"))))


def test_no_gradient(rng):
    x = rng.random((1, 6, 7, 1)).astype("float32")
    # `+ v` keeps a path to the input, so every backend returns a gradient: that of `v` alone
    grad = gradient(lambda v: distance_transform(v) + v, x)
    np.testing.assert_array_equal(grad, np.ones_like(grad))


def test_jit_with_unknown_batch(rng, monkeypatch):
    monkeypatch.setattr(distance_module, "CHUNK_ELEMENTS", 12 * 10 * 4)  # blocks through ops.map
    x = (rng.random((3, 12, 10, 1)) > 0.2).astype("float32")
    expected = reference_distance_transform(x, (1.0, 1.5))
    if BACKEND == "tensorflow":
        import tensorflow as tf

        fn = tf.function(
            lambda v: distance_transform(v, spacing=(1.0, 1.5)),
            input_signature=[tf.TensorSpec((None, 12, 10, 1), tf.float32)],
            jit_compile=True,
        )
    else:
        fn = compiled(lambda v: distance_transform(v, spacing=(1.0, 1.5)))
    np.testing.assert_allclose(to_numpy(fn(x)), expected, **TOL)


@pytest.mark.parametrize(
    "spacing, error",
    [
        ((1.0,), ValueError),
        (0.0, ValueError),
        (-1.0, ValueError),
        (float("nan"), ValueError),
        ("1", TypeError),
        ((1.0, True), TypeError),
    ],
)
def test_bad_spacing(spacing, error):
    with pytest.raises(error, match="spacing"):
        distance_transform(np.ones((1, 4, 4, 1)), spacing=spacing)
