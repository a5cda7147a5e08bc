"""gaussian_blur against scipy.ndimage.gaussian_filter (float64), every mode, 2D, 3D, both layouts."""

import keras
import numpy as np
import pytest
import scipy.ndimage as ndi

from imagelosses import gaussian_blur
from imagelosses.filters.kernels import gaussian_taps
from tests.conftest import assert_close, to_numpy
from tests.reference.filters import per_image_channel


def _scipy_blur(x, sigma, truncate, mode, spatial_dims):
    if mode == "valid":
        r = int(truncate * sigma + 0.5)
        crop = (slice(r, -r),) * spatial_dims
        fn = lambda im: ndi.gaussian_filter(im, sigma, mode="constant", truncate=truncate)[crop]  # noqa: E731
    else:
        fn = lambda im: ndi.gaussian_filter(im, sigma, mode=mode, truncate=truncate)  # noqa: E731
    return per_image_channel(fn, x, spatial_dims)


@pytest.mark.parametrize("mode", ["reflect", "mirror", "nearest", "constant", "valid"])
def test_blur_equals_scipy_gaussian_filter_in_2d(mode, rng):
    x = rng.random((2, 17, 19, 2))
    blurred = gaussian_blur(x, sigma=1.2, size=None, truncate=3.0, mode=mode)
    assert_close(blurred, _scipy_blur(x, 1.2, 3.0, mode, 2))


def test_default_window_is_the_ssim_window_and_3d_volumes_match_scipy(rng):
    x = rng.random((1, 12, 13, 14, 1))
    assert_close(gaussian_blur(x), _scipy_blur(x, 1.5, 3.5, "reflect", 3))  # 11 taps for 1.5
    assert_close(gaussian_taps(11, 1.5).sum(), 1.0)


def test_channels_first_and_sequences(rng):
    x = rng.random((2, 3, 12, 12, 2))  # (B, T, H, W, C)
    last = to_numpy(gaussian_blur(x, sigma=1.0, size=5, spatial_dims=2))
    first = gaussian_blur(
        np.moveaxis(x, -1, 2), sigma=1.0, size=5, spatial_dims=2, data_format="channels_first"
    )
    assert_close(first, np.moveaxis(last, -1, 2))
    frames = gaussian_blur(x.reshape(6, 12, 12, 2), sigma=1.0, size=5)
    assert_close(last, to_numpy(frames).reshape(x.shape))


def test_blur_keeps_a_constant_image_and_its_mean_with_reflect(rng):
    assert_close(gaussian_blur(np.full((1, 9, 9, 1), 0.25), sigma=2.0, size=7), np.full((1, 9, 9, 1), 0.25))
    x = rng.random((1, 16, 16, 1))  # the reflect-padded filter matrix is symmetric: sums are kept
    assert_close(np.mean(to_numpy(gaussian_blur(x, sigma=1.0, size=7))), np.mean(x))


@pytest.mark.parametrize(
    "options, error, message",
    [
        ({"size": 4}, ValueError, r"`size`. Expected an odd integer >= 1. Received: size=4"),
        ({"sigma": 0}, ValueError, r"`sigma`. Expected a number > 0.0. Received: sigma=0"),
        ({"sigma": "1"}, TypeError, r"Invalid type for argument `sigma`"),
        ({"truncate": 3.0}, ValueError, r"`size` and `truncate`.*Received: size=11, truncate=3.0"),
        ({"mode": "wrap"}, ValueError, r"`mode`.*Received: mode='wrap'"),
        ({"size": 11, "mode": "valid"}, ValueError, r"too small.*at least 11"),
    ],
)
def test_bad_options_raise_naming_the_argument(options, error, message):
    with pytest.raises(error, match=message):
        gaussian_blur(np.zeros((1, 8, 8, 1)), **options)


@pytest.mark.parametrize("stacked", [True, False], ids=["stacked", "one-by-one"])
@pytest.mark.parametrize(
    "shape, data_format",
    [((2, 23, 19, 3), "channels_last"), ((2, 3, 23, 19), "channels_first"), ((1, 14, 13, 12, 2), None)],
    ids=["2d-last", "2d-first", "3d"],
)
def test_gaussian_filter_maps_equal_scipy_both_ways(shape, data_format, stacked, rng):
    """`gaussian_filter_maps` stacked on the channel axis and one call per map (each backend takes
    the faster, `STACK_MAPS`) against scipy's correlate1d along each spatial axis, "valid" crop."""
    from imagelosses._shapes import resolve_layout
    from imagelosses.filters.smoothing import gaussian_filter_maps

    layout = resolve_layout(shape, data_format=data_format)
    size = 7 if len(shape) == 5 else 11
    taps, radius = gaussian_taps(size, 1.5), size // 2
    maps = [rng.random(shape) for _ in range(5)]
    filtered = gaussian_filter_maps(
        [keras.ops.convert_to_tensor(m.astype(np.float32)) for m in maps],
        layout,
        size=size,
        sigma=1.5,
        stacked=stacked,
    )
    for got, m in zip(filtered, maps):
        expected = m
        for axis in layout.spatial_axes:
            expected = ndi.correlate1d(expected, taps, axis=axis, mode="constant")
            expected = np.take(expected, np.arange(radius, m.shape[axis] - radius), axis=axis)
        assert_close(got, expected)
