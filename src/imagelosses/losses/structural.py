"""Structural and restoration losses: SSIM, MS-SSIM, MS-SSIM + L1, Charbonnier, total variation, PSNR.

All take `(y_true, y_pred)` of one shape, `(B, H, W, C)`, `(B, D, H, W, C)` or a sequence
`(B, T, H, W, C)` with `spatial_dims=2` (channels_first likewise, see the layout table of `imagelosses`),
compute in float32 and return one value per image: `(B,)`, or `(B, T)` for sequences. The
similarity options (`max_val`, `filter_size`, `filter_sigma`, `k1`, `k2`, `power_factors`) are
those of `imagelosses.ssim` / `imagelosses.ms_ssim`, documented there.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from keras import ops

from imagelosses import _checks
from imagelosses._registry import register_loss
from imagelosses._shapes import image_pair
from imagelosses._types import Tensor
from imagelosses.filters import _conv
from imagelosses.filters.smoothing import gaussian_blur
from imagelosses.losses.base import Loss
from imagelosses.losses.focal import pixel_weight_map
from imagelosses.structural.psnr import psnr
from imagelosses.structural.ssim import (
    MS_SSIM_OPTIONS,
    MS_SSIM_POWER_FACTORS,
    SSIM_OPTIONS,
    check_power_factors,
    ms_ssim,
    ms_ssim_min_size,
    ssim,
)


@_checks.options(**SSIM_OPTIONS)
def ssim_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    max_val: float = 1.0,
    filter_size: int = 11,
    filter_sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """`1 - ssim(y_true, y_pred)`, in [0, 2]; 0 for identical images.

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences.
    """
    return 1.0 - ssim(
        y_true,
        y_pred,
        max_val=max_val,
        filter_size=filter_size,
        filter_sigma=filter_sigma,
        k1=k1,
        k2=k2,
        data_format=data_format,
        spatial_dims=spatial_dims,
    )


@_checks.options(**MS_SSIM_OPTIONS)
def ms_ssim_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    max_val: float = 1.0,
    power_factors: Sequence[float] = MS_SSIM_POWER_FACTORS,
    filter_size: int = 11,
    filter_sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """`1 - ms_ssim(y_true, y_pred)`, in [0, 1]; finite gradients (see `ms_ssim` on negative terms).

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences.
    """
    return 1.0 - ms_ssim(
        y_true,
        y_pred,
        max_val=max_val,
        power_factors=power_factors,
        filter_size=filter_size,
        filter_sigma=filter_sigma,
        k1=k1,
        k2=k2,
        data_format=data_format,
        spatial_dims=spatial_dims,
    )


@_checks.options(alpha=_checks.number(0.0, 1.0), **MS_SSIM_OPTIONS)
def ms_ssim_l1_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    alpha: float = 0.84,
    max_val: float = 1.0,
    power_factors: Sequence[float] = MS_SSIM_POWER_FACTORS,
    filter_size: int = 11,
    filter_sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """The MS-SSIM + L1 mix of Zhao, Gallo, Frosio and Kautz (2017).

    `alpha * (1 - ms_ssim) + (1 - alpha) * mean(G_M * |y_true - y_pred|) / max_val`

    The paper weights the L1 error of each pixel by the Gaussian `G_M` of MS-SSIM's coarsest scale,
    because that is how MS-SSIM spreads the error of the pixel it scores. Here `G_M` is the
    coarsest scale's window seen at full resolution: `sigma = filter_sigma * 2**(M - 1)` over
    `(filter_size - 1) * 2**(M - 1) + 1` taps (24 and 161 for the defaults; the paper, whose
    scales are not downsampled, used sigma 8). It is applied with "valid" padding, so the L1 term
    is scored at the same centre positions as MS-SSIM and the image's border pixels weigh less.
    Dividing by `max_val` keeps the mix unchanged when the images and `max_val` scale together.

    Args:
        alpha: weight of the MS-SSIM term, in [0, 1] (the paper's 0.84).

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences, >= 0.

    References:
        Zhao, Gallo, Frosio, Kautz, "Loss Functions for Image Restoration with Neural Networks",
        IEEE TCI 3(1), 2017.
    """
    scales = len(check_power_factors(power_factors))
    similarity = ms_ssim_loss(
        y_true,
        y_pred,
        max_val=max_val,
        power_factors=power_factors,
        filter_size=filter_size,
        filter_sigma=filter_sigma,
        k1=k1,
        k2=k2,
        data_format=data_format,
        spatial_dims=spatial_dims,
    )
    y_true, y_pred, layout = image_pair(y_true, y_pred, data_format=data_format, spatial_dims=spatial_dims)
    weighted = gaussian_blur(
        ops.abs(y_true - y_pred),
        sigma=float(filter_sigma) * 2 ** (scales - 1),
        size=ms_ssim_min_size(filter_size, scales),
        mode="valid",
        data_format=layout.data_format,
        spatial_dims=layout.spatial_dims,
    )
    return alpha * similarity + (1.0 - alpha) * layout.per_sample_mean(weighted) / float(max_val)


# The Charbonnier penalty's default smoothing: sqrt(d**2 + eps**2) is within eps of |d| everywhere
# and differentiable at d = 0 (the value of Lai et al. and of most restoration papers).
CHARBONNIER_EPSILON = 1e-3
# The floor of epsilon**2: float32's smallest normal number (a smaller square rounds to 0).
CHARBONNIER_FLOOR = float(np.finfo(np.float32).tiny)


@_checks.options(epsilon=_checks.positive(), function_only=("pixel_weights",), **_checks.LAYOUT)
def charbonnier_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    epsilon: float = CHARBONNIER_EPSILON,
    pixel_weights: Tensor | None = None,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Charbonnier penalty, a smooth L1: `mean over pixels and channels of sqrt(d**2 + epsilon**2)`.

    `d = y_true - y_pred`. The value for identical images is `epsilon`, not 0; the gradient is
    finite everywhere for `epsilon > 0`: `epsilon**2` is floored at `CHARBONNIER_FLOOR` (float32's
    smallest normal number, 1.2e-38), below which it would round to 0 and leave `sqrt(d**2)` with
    a 0/0 gradient at `d = 0`, so an `epsilon` below 1.1e-19 acts as 1.1e-19.

    Not kornia's `charbonnier_loss` (0.9.0), which is Barron's pseudo-Huber form
    `sqrt(d**2 + 1) - 1`: no `epsilon` (its smoothing is fixed at 1, in the images' units) and 0 at
    `d = 0`, so it is quadratic up to `|d| ~ 1`, all of a [0, 1] image's range, where this one is
    L1 beyond `|d| ~ epsilon`. As `sqrt(d**2 + e**2) = e * (sqrt((d / e)**2 + 1) - 1) + e`, this
    loss with `epsilon=e` is `e * (barron_loss(alpha=1, scale=e) + 1)`, and kornia's is
    `barron_loss(alpha=1)`, or this loss with `epsilon=1`, less 1.

    Args:
        epsilon: smoothing, > 0, in the images' units.
        pixel_weights: None or a weight map `(B, *spatial)` or `(B, *spatial, 1)` multiplying
            each pixel's penalty before the mean (function only; `CharbonnierLoss` takes the same
            map as a per-pixel `sample_weight`, as Keras's pixel losses do).

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences, >= epsilon.

    References:
        Charbonnier, Blanc-Feraud, Aubert, Barlaud, "Two deterministic half-quadratic
        regularization algorithms for computed imaging", ICIP 1994; Lai et al., LapSRN, CVPR 2017.
    """
    y_true, y_pred, layout = image_pair(y_true, y_pred, data_format=data_format, spatial_dims=spatial_dims)
    penalty = ops.sqrt(ops.square(y_true - y_pred) + max(float(epsilon) ** 2, CHARBONNIER_FLOOR))
    if pixel_weights is not None:
        penalty = penalty * pixel_weight_map(pixel_weights, layout)
    return layout.per_sample_mean(penalty)


@_checks.options(**_checks.LAYOUT)
def total_variation_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Anisotropic total variation of `y_pred`: the sum of absolute forward differences.

    `sum over spatial axes a, pixels and channels of |y_pred[i + 1_a] - y_pred[i]|`: in 2D exactly
    `tf.image.total_variation(y_pred)` (a sum, not a mean: it grows with the image size), in 3D the
    same over the depth axis too. `y_true` only fixes the shape: it must match `y_pred` (the Keras
    loss signature passes both), its values are ignored. A spatial axis of size 1 has no
    differences and adds 0 (as in `tf.image.total_variation`), so a single pixel scores 0.

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences, >= 0.

    Raises:
        ValueError: mismatched shapes, wrong rank, unknown layout options, an empty spatial axis.

    References:
        Rudin, Osher, Fatemi, "Nonlinear total variation based noise removal algorithms",
        Physica D 60, 1992.
    """
    _, y_pred, layout = image_pair(y_true, y_pred, data_format=data_format, spatial_dims=spatial_dims)
    _conv.check_size(y_pred, layout.spatial_axes, 0, "valid", name="y_pred", layout=layout)
    total = None
    for axis in layout.spatial_axes:
        term = layout.per_sample_sum(ops.abs(_conv.forward_difference(y_pred, axis)))
        total = term if total is None else total + term
    return total


@_checks.options(max_val=_checks.positive(), **_checks.LAYOUT)
def psnr_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    max_val: float = 1.0,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """`-psnr(y_true, y_pred)` in decibels; -100 for identical images (the documented MSE floor).

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences.
    """
    return -psnr(y_true, y_pred, max_val=max_val, data_format=data_format, spatial_dims=spatial_dims)


@register_loss
class SSIMLoss(Loss, fn=ssim_loss):
    """`1 - SSIM` per image (`imagelosses.ssim`)."""


@register_loss
class MSSSIMLoss(Loss, fn=ms_ssim_loss):
    """`1 - MS-SSIM` per image (`imagelosses.ms_ssim`)."""


@register_loss
class MSSSIML1Loss(Loss, fn=ms_ssim_l1_loss):
    """The MS-SSIM + Gaussian-weighted L1 mix of Zhao et al. (2017), per image."""


@register_loss
class CharbonnierLoss(Loss, fn=charbonnier_loss):
    """Charbonnier penalty (a smooth L1), per image."""


@register_loss
class TotalVariationLoss(Loss, fn=total_variation_loss):
    """Anisotropic total variation of `y_pred` per image (`y_true` fixes only the shape)."""


@register_loss
class PSNRLoss(Loss, fn=psnr_loss):
    """`-PSNR` in decibels per image (`imagelosses.psnr`)."""
