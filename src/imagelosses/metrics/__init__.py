"""Stateful `keras.metrics.Metric`s: image quality and segmentation overlap."""

from imagelosses.metrics.image_quality import MSSSIM, PSNR, SSIM
from imagelosses.metrics.segmentation import Dice, IoU, ThresholdedMeanIoU
from imagelosses.metrics.surface import (
    AverageSurfaceDistance,
    HausdorffDistance,
    SurfaceDice,
    average_surface_distance,
    hausdorff_distance,
    surface_dice,
)

__all__ = [
    "MSSSIM",
    "PSNR",
    "SSIM",
    "Dice",
    "IoU",
    "ThresholdedMeanIoU",
    "AverageSurfaceDistance",
    "HausdorffDistance",
    "SurfaceDice",
    "average_surface_distance",
    "hausdorff_distance",
    "surface_dice",
]

from imagelosses.metrics.confusion import (  # noqa: E402
    FBetaScore,
    GeneralizedDiceScore,
    MatthewsCorrelation,
    Precision,
    Recall,
    Specificity,
)

__all__ += ["FBetaScore", "GeneralizedDiceScore", "MatthewsCorrelation", "Precision", "Recall", "Specificity"]

from imagelosses.metrics.image_quality import ERGAS, SAM, UQI, VIF  # noqa: E402

__all__ += ["ERGAS", "SAM", "UQI", "VIF"]

from imagelosses.metrics.image_quality import GMSD, MSGMSD  # noqa: E402

__all__ += ["GMSD", "MSGMSD"]
