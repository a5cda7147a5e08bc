"""Differentiable image filters in `keras.ops`, per channel, 2D and 3D, both data formats.

Boundary modes, with scipy.ndimage's names and meanings (input `a b c d`, one pad cell shown):

- "reflect":  `a | a b c d | d` (edge sample repeated in the mirror: numpy "symmetric")
- "mirror":   `b | a b c d | c` (mirror about the edge sample: numpy "reflect", OpenCV's default)
- "nearest":  `a | a b c d | d` for one cell, the edge sample repeated for any width
- "constant": `0 | a b c d | 0`
- "valid":    no padding: the output loses `len(taps) - 1` samples along the axis.
"""

from imagelosses.filters.distance import boundary_mask, distance_transform
from imagelosses.filters.edges import MAGNITUDE_EPSILON, gradient_magnitude, laplacian, sobel
from imagelosses.filters.smoothing import gaussian_blur

__all__ = [
    "MAGNITUDE_EPSILON",
    "boundary_mask",
    "distance_transform",
    "gaussian_blur",
    "gradient_magnitude",
    "laplacian",
    "sobel",
]
