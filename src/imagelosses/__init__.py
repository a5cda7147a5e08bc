"""imagelosses: differentiable image losses and metrics for Keras 3.

One code base in `keras.ops`: the TensorFlow, JAX and PyTorch backends, 2D images, 3D volumes and
image sequences, channels_last and channels_first.
"""

from imagelosses import filters, layers, losses, metrics, structural
from imagelosses._registry import LAYERS, LOSSES, METRICS
from imagelosses.filters import gaussian_blur, gradient_magnitude, laplacian, sobel
from imagelosses.losses import (
    GradientDifferenceLoss,
    LaplacianLoss,
    SobelLoss,
    WeightedSum,
    gradient_difference_loss,
    laplacian_loss,
    sobel_loss,
)
from imagelosses.losses.structural import (
    CharbonnierLoss,
    MSSSIML1Loss,
    MSSSIMLoss,
    PSNRLoss,
    SSIMLoss,
    TotalVariationLoss,
    charbonnier_loss,
    ms_ssim_l1_loss,
    ms_ssim_loss,
    psnr_loss,
    ssim_loss,
    total_variation_loss,
)
from imagelosses.structural import ms_ssim, psnr, ssim, ssim_map

__version__ = "0.1.0"

__all__ = [
    "CharbonnierLoss",
    "MSSSIML1Loss",
    "MSSSIMLoss",
    "PSNRLoss",
    "SSIMLoss",
    "TotalVariationLoss",
    "charbonnier_loss",
    "gaussian_blur",
    "metrics",
    "ms_ssim",
    "ms_ssim_l1_loss",
    "ms_ssim_loss",
    "psnr",
    "psnr_loss",
    "ssim",
    "ssim_loss",
    "ssim_map",
    "structural",
    "total_variation_loss",
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
