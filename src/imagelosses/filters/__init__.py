"""Differentiable image filters in `keras.ops`, per channel, 2D and 3D, both data formats."""

from imagelosses.filters.distance import boundary_mask, distance_transform
from imagelosses.filters.edges import MAGNITUDE_EPSILON, gradient_magnitude, laplacian, sobel
from imagelosses.filters.smoothing import gaussian_blur

__all__ = ["MAGNITUDE_EPSILON", "boundary_mask", "distance_transform", "gaussian_blur", "gradient_magnitude", "laplacian", "sobel"]
