"""imagelosses: differentiable image losses and metrics for Keras 3.

One code base in `keras.ops`: the TensorFlow, JAX and PyTorch backends, 2D images, 3D volumes and
image sequences, channels_last and channels_first.
"""

from imagelosses import filters, layers, losses
from imagelosses._registry import LAYERS, LOSSES, METRICS
from imagelosses.filters import gradient_magnitude, laplacian, sobel
from imagelosses.losses import (
    GradientDifferenceLoss,
    LaplacianLoss,
    SobelLoss,
    WeightedSum,
    gradient_difference_loss,
    laplacian_loss,
    sobel_loss,
)

__version__ = "0.1.0"

__all__ = [
    "LAYERS",
    "LOSSES",
    "METRICS",
    "GradientDifferenceLoss",
    "LaplacianLoss",
    "SobelLoss",
    "WeightedSum",
    "filters",
    "gradient_difference_loss",
    "gradient_magnitude",
    "laplacian",
    "laplacian_loss",
    "layers",
    "losses",
    "sobel",
    "sobel_loss",
]
