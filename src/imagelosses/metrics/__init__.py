"""Stateful `keras.metrics.Metric`s: image quality and segmentation overlap."""

from imagelosses.metrics.image_quality import MSSSIM, PSNR, SSIM

__all__ = ["MSSSIM", "PSNR", "SSIM"]
