"""The filtering primitive: every implementation of correlate1d equals scipy's, in every mode."""

import numpy as np
import pytest
import scipy.ndimage as ndi

from imagelosses.filters import _conv
from imagelosses.filters.kernels import gaussian_taps
from tests.conftest import assert_close

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
