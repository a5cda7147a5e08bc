"""Structural similarity (SSIM, MS-SSIM) and PSNR as per-image functions, 2D, 3D and sequences."""

from imagelosses.structural.gmsd import GMSD_T, MS_GMSD_SCALE_WEIGHTS, gmsd, ms_gmsd, ms_gmsd_min_size
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
    "GMSD_T",
    "MS_GMSD_SCALE_WEIGHTS",
    "gmsd",
    "ms_gmsd",
    "ms_gmsd_min_size",
    "MS_SSIM_POWER_FACTORS",
    "MS_SSIM_TERM_FLOOR",
    "PSNR_MSE_FLOOR",
    "ms_ssim",
    "ms_ssim_min_size",
    "psnr",
    "ssim",
    "ssim_map",
]

from imagelosses.structural.quality import (  # noqa: E402
    UQI_EPSILON,
    VIF_EPSILON,
    VIF_MIN_SIZE,
    ergas,
    spectral_angle_mapper,
    uqi,
    vif_p,
)

__all__ += ["UQI_EPSILON", "VIF_EPSILON", "VIF_MIN_SIZE", "ergas", "spectral_angle_mapper", "uqi", "vif_p"]
