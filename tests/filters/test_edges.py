"""sobel, gradient_magnitude and laplacian against scipy.ndimage and OpenCV."""

import cv2
import numpy as np
import pytest
import scipy.ndimage as ndi

from imagelosses.filters import gradient_magnitude, laplacian, sobel
from imagelosses.filters.kernels import SOBEL_DERIVATIVE, SOBEL_SMOOTHING, full_kernel, laplacian_kernel
from tests.conftest import assert_close, to_numpy
from tests.reference.filters import reference_gradient_magnitude, reference_laplacian, reference_sobel

MODES = ["reflect", "mirror", "nearest", "constant", "valid"]
SHAPES = {2: (2, 9, 7, 3), 3: (2, 6, 5, 7, 2)}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("spatial_dims", [2, 3])
def test_sobel_matches_scipy_per_image_and_channel(mode, spatial_dims, rng):
    x = rng.normal(size=SHAPES[spatial_dims])
    assert_close(sobel(x, mode=mode), reference_sobel(x, mode, spatial_dims))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("spatial_dims", [2, 3])
@pytest.mark.parametrize("diagonals", [False, True])
def test_laplacian_matches_scipy(mode, spatial_dims, diagonals, rng):
    x = rng.normal(size=SHAPES[spatial_dims])
    assert_close(
        laplacian(x, diagonals=diagonals, mode=mode),
        reference_laplacian(x, mode, spatial_dims, diagonals),
    )


@pytest.mark.parametrize("mode", MODES)
def test_gradient_magnitude_matches_scipy(mode, rng):
    x = rng.normal(size=SHAPES[2])
    assert_close(gradient_magnitude(x, mode=mode), reference_gradient_magnitude(x, mode))


def test_laplacian_mirror_equals_opencv(rng):
    x = rng.random((3, 12, 10, 2))
    per_channel = lambda img: [cv2.Laplacian(img[..., c], cv2.CV_64F, ksize=1) for c in range(2)]  # noqa: E731
    expected = np.stack([np.stack(per_channel(img), -1) for img in x])
    assert_close(laplacian(x, mode="mirror"), expected)


def test_sobel_matches_opencv_with_mirror_mode(rng):
    x = rng.random((1, 11, 13, 1))
    result = to_numpy(sobel(x, mode="mirror"))
    img = x[0, ..., 0]
    assert_close(result[0, ..., 0, 0], cv2.Sobel(img, cv2.CV_64F, 0, 1, ksize=3))
    assert_close(result[0, ..., 0, 1], cv2.Sobel(img, cv2.CV_64F, 1, 0, ksize=3))


def test_full_kernels_are_the_textbook_stencils():
    sobel_h = full_kernel([SOBEL_DERIVATIVE, SOBEL_SMOOTHING])
    assert np.array_equal(sobel_h, [[-1, -2, -1], [0, 0, 0], [1, 2, 1]])
    assert np.array_equal(laplacian_kernel(2, False), [[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    assert laplacian_kernel(3, True)[1, 1, 1] == -26 and laplacian_kernel(3, True).sum() == 0


@pytest.mark.parametrize("spatial_dims", [2, 3])
def test_channels_first_and_sequences_filter_the_same_pixels(spatial_dims, rng):
    x = rng.normal(size=SHAPES[spatial_dims])
    last = to_numpy(sobel(x))
    first = to_numpy(sobel(np.moveaxis(x, -1, 1), data_format="channels_first"))
    assert_close(np.moveaxis(first, 1, -2), last)
    if spatial_dims == 2:  # (B, H, W, C) as one sequence (1, B, H, W, C)
        assert_close(sobel(x[None], spatial_dims=2)[0], last)


def test_flat_image_has_zero_gradient_and_finite_magnitude_gradient():
    import keras

    x = np.full((1, 8, 8, 1), 0.3)
    assert_close(sobel(x), np.zeros((1, 8, 8, 1, 2)))
    assert_close(laplacian(x, diagonals=True), np.zeros((1, 8, 8, 1)), atol=1e-6)
    if keras.backend.backend() == "jax":
        import jax

        grad = jax.grad(lambda v: gradient_magnitude(v).sum())(x.astype(np.float32))
        assert np.all(np.isfinite(grad))


def test_low_precision_inputs_return_float32(rng):
    import keras

    x = keras.ops.cast(rng.random((1, 8, 8, 1)), "bfloat16")
    assert keras.backend.standardize_dtype(sobel(x).dtype) == "float32"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"mode": "wrap"}, r"`mode`.*Received: mode='wrap'"),
        ({"data_format": "NHWC"}, r"`data_format`.*Received: data_format='NHWC'"),
        ({"spatial_dims": 1}, r"`spatial_dims`.*Received: spatial_dims=1"),
    ],
)
def test_bad_options_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sobel(np.zeros((1, 8, 8, 1)), **kwargs)


def test_wrong_rank_and_too_small_images_raise():
    with pytest.raises(ValueError, match=r"rank.*Received: images.shape=\(8, 8\)"):
        laplacian(np.zeros((8, 8)))
    with pytest.raises(ValueError, match=r"rank 5.*Received: images.shape=\(1, 8, 8, 1\)"):
        laplacian(np.zeros((1, 8, 8, 1)), spatial_dims=3)
    with pytest.raises(ValueError, match=r"too small.*mode='mirror'.*at least 2"):
        sobel(np.zeros((1, 1, 8, 1)), mode="mirror")
    with pytest.raises(TypeError, match=r"dtype.*complex"):
        sobel(np.zeros((1, 8, 8, 1), np.complex64))


def test_scipy_reference_is_not_batch_smoothed(rng):
    """Guards the reference itself: scipy on the whole batch smooths across images and differs."""
    x = rng.normal(size=(3, 6, 6, 1))
    whole_batch = ndi.sobel(x, axis=1, mode="reflect")
    assert not np.allclose(whole_batch, reference_sobel(x)[..., 0])
