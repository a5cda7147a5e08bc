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

__all__ = [
    "CharbonnierLoss",
    "MSSSIML1Loss",
    "MSSSIMLoss",
    "PSNRLoss",
    "SSIMLoss",
    "TotalVariationLoss",
    "charbonnier_loss",
    "ms_ssim_l1_loss",
    "ms_ssim_loss",
    "psnr_loss",
    "ssim_loss",
    "total_variation_loss",
    "GradientDifferenceLoss",
    "LaplacianLoss",
    "Loss",
    "SobelLoss",
    "WeightedSum",
    "gradient_difference_loss",
    "laplacian_loss",
    "sobel_loss",
]
