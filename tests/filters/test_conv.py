"""The filtering primitive: every implementation of correlate1d equals scipy's, in every mode."""

import keras
import numpy as np
import pytest
import scipy.ndimage as ndi

from imagelosses.filters import _conv
from imagelosses.filters.kernels import gaussian_taps
from tests.conftest import BACKEND, assert_close

TAPS = {"sobel": [-1.0, 0.0, 1.0], "gauss11": gaussian_taps(11, 1.5), "asymmetric5": [0.5, -1, 2, 0, 3]}


@pytest.mark.parametrize("taps", list(TAPS.values()), ids=list(TAPS))
@pytest.mark.parametrize("mode", ["reflect", "mirror", "nearest", "constant", "valid"])
@pytest.mark.parametrize("axis", [1, 2, 3])
def test_correlate1d_matches_scipy(taps, mode, axis, rng):
    x = rng.normal(size=(2, 13, 12, 11))
    r = len(taps) // 2
    if mode == "valid":
        expected = ndi.correlate1d(x, taps, axis=axis, mode="constant")
        expected = np.take(expected, np.arange(r, x.shape[axis] - r), axis=axis)
    else:
        expected = ndi.correlate1d(x, taps, axis=axis, mode=mode)
    assert_close(_conv.correlate1d(x, taps, axis, mode), expected)


@pytest.mark.parametrize("axis", [1, 2, 3])
def test_tensorflow_fast_path_equals_the_portable_slices(axis, rng):
    """The conv2d path TensorFlow takes for long filters, checked against the slice reference."""
    x = rng.normal(size=(2, 20, 17, 13)).astype(np.float32)
    taps = gaussian_taps(11, 1.5)
    expected = _conv.sliced_correlate1d(x, taps, axis)
    assert_close(np.asarray(_conv.tf_conv_correlate1d(x, taps, axis)), np.asarray(expected))


def test_forward_difference_and_crop(rng):
    x = rng.normal(size=(2, 6, 5, 1))
    assert_close(_conv.forward_difference(x, 1), np.diff(x, axis=1))
    assert_close(_conv.crop(x, [1, 2], 1), x[:, 1:-1, 1:-1])


FAST_3X3_LAYOUTS = {"tensorflow": ["channels_last"], "torch": ["channels_last", "channels_first"]}


@pytest.mark.skipif(BACKEND not in FAST_3X3_LAYOUTS, reason="no correlate3x3 path on jax (the slices run)")
@pytest.mark.parametrize("data_format", FAST_3X3_LAYOUTS.get(BACKEND, ["channels_last"]))
@pytest.mark.parametrize("mode", ["reflect", "mirror", "nearest", "constant", "valid"])
@pytest.mark.parametrize("diagonals", [False, True])
def test_3x3_convolution_path_equals_the_portable_filters(data_format, mode, diagonals, rng):
    """The one-convolution path of 2D 3x3 filters (TensorFlow, torch) against the portable
    passes of shifted slices, value and gradient, on sequences (two sample axes)."""
    from imagelosses._shapes import resolve_layout
    from imagelosses.filters.edges import _LAPLACIAN_2D, _SOBEL_2D, portable_laplacian, portable_sobel
    from tests.conftest import gradient

    shape = (2, 3, 9, 8, 2) if data_format == "channels_last" else (2, 3, 2, 9, 8)
    x = rng.normal(size=shape).astype(np.float32)
    layout = resolve_layout(x.shape, data_format=data_format, spatial_dims=2)
    assert _conv.correlate3x3_applies(x, layout)
    pairs = [
        (lambda v: _conv.correlate3x3(v, _SOBEL_2D, mode, layout), lambda v: portable_sobel(v, layout, mode)),
        (
            lambda v: _conv.correlate3x3(v, _LAPLACIAN_2D[diagonals], mode, layout)[..., 0],
            lambda v: portable_laplacian(v, layout, mode, diagonals),
        ),
    ]
    for fast, portable in pairs:
        weights = keras.ops.convert_to_tensor(rng.normal(size=portable(x).shape).astype(np.float32))
        assert_close(keras.ops.convert_to_numpy(fast(x)), keras.ops.convert_to_numpy(portable(x)))

        def weighted(fn, w=weights):
            return lambda v: fn(v) * w

        assert_close(gradient(weighted(fast), x), gradient(weighted(portable), x))


@pytest.mark.skipif(BACKEND != "jax", reason="the JAX path runs under the jax backend only")
@pytest.mark.parametrize("taps", list(TAPS.values()), ids=list(TAPS))
@pytest.mark.parametrize("axis", [1, 2, 3])
def test_jax_fast_path_value_and_gradient_equal_the_portable_slices(taps, axis, rng):
    """The hand-written VJP of the JAX path against autodiff through the slice reference."""
    import jax

    x = rng.normal(size=(2, 19, 16, 13)).astype(np.float32)
    weights = rng.normal(size=_conv.sliced_correlate1d(x, taps, axis).shape).astype(np.float32)

    def through(fn):
        return jax.jit(jax.value_and_grad(lambda v: keras.ops.sum(fn(v, taps, axis) * weights)))

    value, grad = through(_conv.jax_correlate1d)(x)
    expected_value, expected_grad = through(_conv.sliced_correlate1d)(x)
    assert_close(np.asarray(value), np.asarray(expected_value))
    assert_close(np.asarray(grad), np.asarray(expected_grad))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_depthwise_valid_2d_equals_the_portable_slices(data_format, rng):
    """The convolution path of 2D valid filters (SSIM's statistics) against the slice passes,
    value and gradient, with asymmetric taps so a flipped kernel would show."""
    from tests.conftest import gradient

    taps_h, taps_w = TAPS["asymmetric5"], gaussian_taps(11, 1.5)
    shape = (2, 17, 21, 3) if data_format == "channels_last" else (2, 3, 17, 21)
    axes = (1, 2) if data_format == "channels_last" else (2, 3)
    x = rng.normal(size=shape).astype(np.float32)
    weights = rng.normal(
        size=_conv.separable_correlate(x, {axes[0]: taps_h, axes[1]: taps_w}, "valid").shape
    ).astype(np.float32)

    def fast(v):
        return _conv.depthwise_valid_2d(v, taps_h, taps_w, data_format) * keras.ops.convert_to_tensor(weights)

    def portable(v):
        filtered = _conv.separable_correlate(v, {axes[0]: taps_h, axes[1]: taps_w}, "valid")
        return filtered * keras.ops.convert_to_tensor(weights)

    t = keras.ops.convert_to_tensor(x)
    assert_close(keras.ops.convert_to_numpy(fast(t)), keras.ops.convert_to_numpy(portable(t)))
    assert_close(gradient(fast, x), gradient(portable, x))
