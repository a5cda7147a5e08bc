"""Differentiable image filters in `keras.ops`, per channel, 2D and 3D, both data formats."""

from imagelosses.filters.edges import MAGNITUDE_EPSILON, gradient_magnitude, laplacian, sobel

__all__ = ["MAGNITUDE_EPSILON", "gradient_magnitude", "laplacian", "sobel"]
