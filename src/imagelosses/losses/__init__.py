"""Losses: a pure per-sample function and a registered `keras.losses.Loss` class for each."""

from imagelosses.losses.base import Loss, WeightedSum
from imagelosses.losses.edges import (
    GradientDifferenceLoss,
    LaplacianLoss,
    SobelLoss,
    gradient_difference_loss,
    laplacian_loss,
    sobel_loss,
)

__all__ = [
    "GradientDifferenceLoss",
    "LaplacianLoss",
    "Loss",
    "SobelLoss",
    "WeightedSum",
    "gradient_difference_loss",
    "laplacian_loss",
    "sobel_loss",
]
