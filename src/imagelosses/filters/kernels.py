"""Filter stencils as float64 numpy arrays: the numbers every filter in the library is made of.

1D taps are listed from the lowest offset to the highest and applied by correlation, as
`scipy.ndimage.correlate1d` does: `out[i] = sum_k w[k] * x[i + k - r]` with `r = len(w) // 2`.

>>> SOBEL_DERIVATIVE, SOBEL_SMOOTHING, LAPLACE_1D
(array([-1.,  0.,  1.]), array([1., 2., 1.]), array([ 1., -2.,  1.]))
>>> full_kernel([SOBEL_DERIVATIVE, SOBEL_SMOOTHING])  # d/dH of a 2D image
array([[-1., -2., -1.],
       [ 0.,  0.,  0.],
       [ 1.,  2.,  1.]])
>>> 3 * full_kernel([BOX_3, PREWITT_DERIVATIVE])  # 3 x the Prewitt d/dW of GMSD
array([[-1.,  0.,  1.],
       [-1.,  0.,  1.],
       [-1.,  0.,  1.]])
"""

from __future__ import annotations

import numpy as np

SOBEL_DERIVATIVE = np.array([-1.0, 0.0, 1.0])
SOBEL_SMOOTHING = np.array([1.0, 2.0, 1.0])
LAPLACE_1D = np.array([1.0, -2.0, 1.0])
BOX_3 = np.array([1.0, 1.0, 1.0])
# `(x[i + 1] - x[i - 1]) / 2`: the central first difference (MONAI's `spatial_gradient`).
CENTRAL_DIFFERENCE = np.array([-0.5, 0.0, 0.5])
# Prewitt's derivative divided by 3: with BOX_3 across it, the 3x3 kernel averages the central
# differences of three rows (piq's `prewitt_filter`, used by GMSD).
PREWITT_DERIVATIVE = np.array([-1.0, 0.0, 1.0]) / 3.0


def full_kernel(taps_per_axis) -> np.ndarray:
    """The n-D kernel of a separable filter: the outer product of its 1D taps, axis by axis."""
    kernel = np.ones(())
    for taps in taps_per_axis:
        kernel = np.multiply.outer(kernel, np.asarray(taps, dtype=np.float64))
    return kernel


def laplacian_kernel(spatial_dims: int, diagonals: bool) -> np.ndarray:
    """The n-D Laplacian stencil.

    `diagonals=False`: the cross (2D centre -4, 3D centre -6), as `scipy.ndimage.laplace`.
    `diagonals=True`: every neighbour 1, centre 1 - 3**d (2D -8, 3D -26).

    >>> laplacian_kernel(2, diagonals=True)
    array([[ 1.,  1.,  1.],
           [ 1., -8.,  1.],
           [ 1.,  1.,  1.]])
    """
    centre = (1,) * spatial_dims
    if diagonals:
        kernel = np.ones((3,) * spatial_dims)
        kernel[centre] = 1.0 - 3.0**spatial_dims
        return kernel
    kernel = np.zeros((3,) * spatial_dims)
    for axis in range(spatial_dims):
        index = list(centre)
        for offset, weight in zip((0, 1, 2), LAPLACE_1D):
            index[axis] = offset
            kernel[tuple(index)] += weight
    return kernel


def gaussian_taps(size: int, sigma: float) -> np.ndarray:
    """Normalised 1D Gaussian of odd `size`, centred, `exp(-x**2 / (2 sigma**2))` summing to 1.

    This is the window of `tf.image.ssim` (`size=11, sigma=1.5`).
    """
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    taps = np.exp(-(x**2) / (2.0 * sigma**2))
    return taps / taps.sum()


# The windows of the local normalised cross-correlation (`imagelosses.local_ncc_loss`), exactly
# MONAI's `make_rectangular_kernel`, `make_triangular_kernel` and `make_gaussian_kernel` (1.6.1):
# their scale matters, since the loss clamps each local variance, a sum over the window, at
# `smooth_dr`.


def box_taps(size: int) -> np.ndarray:
    """`size` ones: a local sum over the window (not a mean).

    >>> box_taps(3)
    array([1., 1., 1.])
    """
    return np.ones(size)


def triangular_taps(size: int) -> np.ndarray:
    """A box of `f` taps of `1 / f` convolved with itself, zero-padded to `size` taps; sums to 1.

    `f = (size + 1) // 2`, less 1 when even, so the triangle is centred: 3 taps give the identity
    `[0, 1, 0]`, 5 taps `[1, 2, 3, 2, 1] / 9`, 7 taps `[0, 1, 2, 3, 2, 1, 0] / 9`.

    >>> triangular_taps(5) * 9
    array([1., 2., 3., 2., 1.])
    >>> triangular_taps(3)
    array([0., 1., 0.])
    """
    width = (size + 1) // 2
    width -= 1 - width % 2
    box = np.full(width, 1.0 / width)
    triangle = np.convolve(box, box)
    pad = (size - len(triangle)) // 2
    return np.pad(triangle, pad)


def gaussian_window_taps(size: int) -> np.ndarray:
    """`exp(-x**2 / (2 sigma**2))` over the `size` centred offsets, `sigma = size / 3`, peak 1 (not
    normalised).

    >>> gaussian_window_taps(3)  # sigma 1: exp(-1 / 2) beside the peak
    array([0.60653066, 1.        , 0.60653066])
    """
    sigma = size / 3.0
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    return np.exp(-(x**2) / (2.0 * sigma**2))
