"""Structural similarity (SSIM, MS-SSIM) and PSNR as per-image functions, 2D, 3D and sequences."""

from imagelosses.structural.psnr import PSNR_MSE_FLOOR, psnr
from imagelosses.structural.ssim import (
    MS_SSIM_POWER_FACTORS,
    MS_SSIM_TERM_FLOOR,
    ms_ssim,
    ms_ssim_min_size,
    ssim,
    ssim_map,
)

__all__ = [
    "MS_SSIM_POWER_FACTORS",
    "MS_SSIM_TERM_FLOOR",
    "PSNR_MSE_FLOOR",
    "ms_ssim",
    "ms_ssim_min_size",
    "psnr",
    "ssim",
    "ssim_map",
]
