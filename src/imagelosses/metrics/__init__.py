"""Stateful `keras.metrics.Metric`s: image quality and segmentation overlap."""

from imagelosses.metrics.image_quality import MSSSIM, PSNR, SSIM
from imagelosses.metrics.segmentation import Dice, IoU, ThresholdedMeanIoU

__all__ = ["MSSSIM", "PSNR", "SSIM", "Dice", "IoU", "ThresholdedMeanIoU"]
