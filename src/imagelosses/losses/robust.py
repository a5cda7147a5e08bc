"""Robust pixel losses: Barron's general and adaptive loss and its named special cases.

All take `(y_true, y_pred)` of one shape, `(B, H, W, C)`, `(B, D, H, W, C)` or a sequence
`(B, T, H, W, C)` with `spatial_dims=2` (channels_first likewise, see the layout table of
`imagelosses`), compute in float32 and return one value per image, `(B,)` or `(B, T)` for
sequences: the mean over pixels and channels of Barron's penalty `rho(x, alpha, c)` of the residual
`x = y_pred - y_true`,

    rho(x, alpha, c) = |alpha - 2| / alpha * (((x / c)**2 / |alpha - 2| + 1)**(alpha / 2) - 1)

with its limits `alpha = 2` (`(x / c)**2 / 2`, L2), `alpha = 0` (`log((x / c)**2 / 2 + 1)`,
Cauchy) and `alpha = -inf` (`1 - exp(-(x / c)**2 / 2)`, Welsch); `alpha = 1` is the pseudo-Huber
`sqrt((x / c)**2 + 1) - 1` and `alpha = -2` Geman-McClure `2 (x / c)**2 / ((x / c)**2 + 4)`.
`rho` is 0 at `x = 0`, quadratic there (`(x / c)**2 / 2` to first order for every `alpha`), and
bounded for `alpha < 0`; `c` (`scale`) is the residual, in the images' units, where it stops being
quadratic.

Numerics: `alpha` is a Python number, so the formula is chosen when the function is traced, from
the option, and the graph holds that one formula: no `where` between branches, so there is no
untaken branch whose NaN or infinite gradient could leak (the trap of computing every case and
selecting one with `where`). The general case is evaluated as

    |alpha - 2| / alpha * expm1(alpha / 2 * log1p((x / c)**2 / |alpha - 2|))

which has no cancellation near `alpha = 0` (where the `**(alpha / 2) - 1` of the paper's form
loses every digit in float32), no square root and no division by `x`, so value and gradient are
finite at `x = 0` (both 0 there) for every `alpha`. As in Barron's reference code, `|alpha - 2|`
and `|alpha|` are floored at float32's epsilon (`BARRON_EPSILON`, 1.2e-7): an `alpha` within 1.2e-7
of 0 or 2 (but not equal) is computed as the one 1.2e-7 away, which changes the value by about
1e-6 relative. For `alpha > 2` the penalty grows as `|x|**alpha` and overflows float32 (to inf,
never NaN) for large residuals, as its definition does.

Against kornia 0.9.0: `kornia.losses.charbonnier_loss`, `cauchy_loss`, `geman_mcclure_loss` and
`welsch_loss` are `rho` at `c = 1` and `alpha = 1, 0, -2, -inf`, per element; their mean over an
image's pixels and channels (`reduction="none"`, then the mean) is the value here. kornia's
reductions average over the whole batch instead, and kornia has neither a general `alpha` nor a
scale (it asks for `img / c`). Its `charbonnier_loss` is not `imagelosses.charbonnier_loss` (see
that function); it is `barron_loss(alpha=1)`.
"""

from __future__ import annotations

import math

import numpy as np
from keras import ops

from imagelosses import _checks
from imagelosses._registry import register_loss
from imagelosses._shapes import image_pair
from imagelosses._types import Tensor
from imagelosses.losses.base import Loss

# Floor of |alpha| and |alpha - 2| in the general formula, as in Barron's code: float32's epsilon.
BARRON_EPSILON = float(np.finfo(np.float32).eps)


def barron_alpha(name: str, value) -> float:
    """Barron's shape: any real number, or -inf (Welsch); NaN and +inf are refused."""
    return _checks.real(name, value, maximum=math.inf, exclusive_maximum=True, allow_infinity=True)


def barron_rho(squared: Tensor, alpha: float) -> Tensor:
    """`rho` as a function of `z = (x / c)**2 >= 0`, for a static `alpha` (module docstring)."""
    if alpha == 2.0:
        return 0.5 * squared
    if alpha == 0.0:
        return ops.log1p(0.5 * squared)
    if alpha == -math.inf:
        return -ops.expm1(-0.5 * squared)
    beta = max(abs(alpha - 2.0), BARRON_EPSILON)
    safe_alpha = math.copysign(max(abs(alpha), BARRON_EPSILON), alpha)
    return (beta / safe_alpha) * ops.expm1((0.5 * safe_alpha) * ops.log1p(squared / beta))


@_checks.options(alpha=barron_alpha, scale=_checks.positive(), **_checks.LAYOUT)
def barron_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    alpha: float = 1.0,
    scale: float = 1.0,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Barron's general robust loss: the per-image mean of `rho(y_pred - y_true, alpha, scale)`.

    The formula, its special cases and how it is kept finite are in the module docstring
    (`imagelosses.losses.robust`).

    Args:
        alpha: the shape, any real number or `-inf`: 2 is L2, 1 pseudo-Huber (kornia's
            Charbonnier), 0 Cauchy, -2 Geman-McClure, -inf Welsch; smaller is more robust.
        scale: `c` > 0, in the images' units: the residual below which the penalty is quadratic.

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences, >= 0.

    References:
        Barron, "A General and Adaptive Robust Loss Function", CVPR 2019. For `alpha` in
        (1, 0, -2, -inf) and `scale=1` the value is the per-image mean of kornia 0.9.0's
        `charbonnier_loss`, `cauchy_loss`, `geman_mcclure_loss`, `welsch_loss`.

    Example:
        >>> y_true = np.zeros((1, 2, 2, 1), "float32")
        >>> y_pred = np.full((1, 2, 2, 1), 2.0, "float32")
        >>> tuple(round(float(imagelosses.barron_loss(y_true, y_pred, alpha=a)[0]), 4) for a in (2, 1, 0))
        (2.0, 1.2361, 1.0986)
    """
    y_true, y_pred, layout = image_pair(y_true, y_pred, data_format=data_format, spatial_dims=spatial_dims)
    squared = ops.square((y_pred - y_true) / float(scale))
    return layout.per_sample_mean(barron_rho(squared, alpha))


@_checks.options(scale=_checks.positive(), **_checks.LAYOUT)
def welsch_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    scale: float = 1.0,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Welsch (Leclerc) loss: the mean of `1 - exp(-((y_pred - y_true) / scale)**2 / 2)`.

    `barron_loss(alpha=-inf)`; each pixel's penalty is below 1, so outliers stop pulling.

    Args:
        scale: `c` > 0, in the images' units (kornia's is 1).

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences, in [0, 1).

    References:
        Dennis and Welsch, "Techniques for nonlinear least squares and robust regression", 1978;
        Barron, CVPR 2019. With `scale=1`: the per-image mean of kornia 0.9.0's `welsch_loss`.

    Example:
        >>> y = np.zeros((1, 2, 2, 1), "float32")
        >>> round(float(imagelosses.welsch_loss(y, y + 2.0)[0]), 4)
        0.8647
    """
    return barron_loss(
        y_true, y_pred, alpha=-math.inf, scale=scale, data_format=data_format, spatial_dims=spatial_dims
    )


@_checks.options(scale=_checks.positive(), **_checks.LAYOUT)
def cauchy_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    scale: float = 1.0,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Cauchy (Lorentzian) loss: the mean of `log(((y_pred - y_true) / scale)**2 / 2 + 1)`.

    `barron_loss(alpha=0)`.

    Args:
        scale: `c` > 0, in the images' units (kornia's is 1).

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences, >= 0.

    References:
        Black and Anandan, "The robust estimation of multiple motions", CVIU 63(1), 1996;
        Barron, CVPR 2019. With `scale=1`: the per-image mean of kornia 0.9.0's `cauchy_loss`.

    Example:
        >>> y = np.zeros((1, 2, 2, 1), "float32")
        >>> round(float(imagelosses.cauchy_loss(y, y + 2.0)[0]), 4)
        1.0986
    """
    return barron_loss(
        y_true, y_pred, alpha=0.0, scale=scale, data_format=data_format, spatial_dims=spatial_dims
    )


@_checks.options(scale=_checks.positive(), **_checks.LAYOUT)
def geman_mcclure_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    scale: float = 1.0,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Geman-McClure loss: the mean of `2 r**2 / (r**2 + 4)`, `r = (y_pred - y_true) / scale`.

    `barron_loss(alpha=-2)`; each pixel's penalty is below 2.

    Args:
        scale: `c` > 0, in the images' units (kornia's is 1).

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences, in [0, 2).

    References:
        Geman and McClure, "Bayesian image analysis: an application to single photon emission
        tomography", 1985; Barron, CVPR 2019. With `scale=1`: the per-image mean of kornia
        0.9.0's `geman_mcclure_loss`.

    Example:
        >>> y = np.zeros((1, 2, 2, 1), "float32")
        >>> round(float(imagelosses.geman_mcclure_loss(y, y + 2.0)[0]), 4)
        1.0
    """
    return barron_loss(
        y_true, y_pred, alpha=-2.0, scale=scale, data_format=data_format, spatial_dims=spatial_dims
    )


@register_loss
class BarronLoss(Loss, fn=barron_loss):
    """Barron's general robust loss (L2, pseudo-Huber, Cauchy, Geman-McClure, Welsch, ...), per image."""


@register_loss
class WelschLoss(Loss, fn=welsch_loss):
    """Welsch (Leclerc) loss, Barron's `alpha = -inf`, per image."""


@register_loss
class CauchyLoss(Loss, fn=cauchy_loss):
    """Cauchy (Lorentzian) loss, Barron's `alpha = 0`, per image."""


@register_loss
class GemanMcClureLoss(Loss, fn=geman_mcclure_loss):
    """Geman-McClure loss, Barron's `alpha = -2`, per image."""
