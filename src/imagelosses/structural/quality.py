"""Image-quality indices: VIF-P, UQI, SAM and ERGAS, one value per image, on every backend.

Each takes `(y_true, y_pred)` of one shape in the layouts of the table of `imagelosses` (2D
images, 3D volumes, `(B, T, ...)` sequences, both data formats), computes in float32 and returns
one float32 value per image: `(B,)`, or `(B, T)` for sequences. `y_true` is the reference (the
`target` of torchmetrics, whose functions take `(preds, target)`), `y_pred` the distorted or
estimated image; VIF and ERGAS are asymmetric and read the roles that way.

- `vif_p`: pixel-domain visual information fidelity (Sheikh and Bovik 2006), four scales of
  Gaussian windows; `torchmetrics.functional.image.visual_information_fidelity`.
- `uqi`: the universal image quality index (Wang and Bovik 2002) over Gaussian windows, SSIM's
  local moments without its constants; `torchmetrics.functional.image.universal_image_quality_index`.
- `spectral_angle_mapper`: the mean angle between the channel vectors (spectra) of each pixel;
  `torchmetrics.functional.image.spectral_angle_mapper`.
- `ergas`: the relative global dimensionless synthesis error of pansharpening;
  `torchmetrics.functional.image.error_relative_global_dimensionless_synthesis`.

The peer numbers are torchmetrics 1.9.0's (per image: `reduction="none"`, then the mean of each
image's map). Local windows go through `imagelosses.filters.smoothing` with "valid" padding, so
no value sees a padded sample.
"""

from __future__ import annotations

import math

import numpy as np
from keras import ops

from imagelosses import _checks
from imagelosses._reduce import mean_over, sum_over
from imagelosses._shapes import image_pair
from imagelosses._types import Tensor
from imagelosses.filters.smoothing import gaussian_filter_axes, gaussian_filter_maps
from imagelosses.structural.ssim import SSIM_OPTIONS, _check_min_size, local_moments

# torchmetrics' constant in the UQI denominator, float32's machine epsilon (2**-23, 1.19e-7): it
# keeps flat windows (both local variances 0) at 0 instead of 0 / 0.
UQI_EPSILON = float(np.finfo(np.float32).eps)
# torchmetrics' (and Sheikh and Bovik's code's) VIF constant: local variances below it count as
# 0, and the residual variance is floored at it.
VIF_EPSILON = 1e-10
# VIF's four scales: scale s filters with `2**(4 - s) + 1` Gaussian taps of width `taps / 5`
# (17, 9, 5, 3 taps), and scales after the first are filtered by that window and subsampled 2x.
VIF_SCALES = 4
# The smallest spatial size at which the coarsest scale keeps one valid position (torchmetrics'
# 41x41): 41 -> 33 -> 17 after the 9-tap scale, 17 -> 13 -> 7 after the 5-tap one, 7 -> 5 -> 3.
VIF_MIN_SIZE = 41


def _vif_window(scale: int) -> tuple[int, float]:
    taps = 2 ** (VIF_SCALES - scale) + 1
    return taps, taps / 5.0


def _subsample(x, axes):
    """Every second sample along `axes`, starting with the first (torchmetrics' `[::2, ::2]`)."""
    index = [slice(None)] * len(x.shape)
    for axis in axes:
        index[axis] = slice(None, None, 2)
    return x[tuple(index)]


def _vif_terms(x, y, layout, taps, sigma, sigma_n_sq):
    """The information maps of one scale: `(log10(1 + g**2 s_x / (s_v + sigma_n_sq)),
    log10(1 + s_x / sigma_n_sq))`, with torchmetrics' masks written as `where`."""
    maps = [x, y, ops.square(x), ops.square(y), x * y]
    mu_x, mu_y, xx, yy, xy = gaussian_filter_maps(maps, layout, size=taps, sigma=sigma)
    var_x = ops.maximum(xx - ops.square(mu_x), 0.0)
    var_y = ops.maximum(yy - ops.square(mu_y), 0.0)
    cov = xy - mu_x * mu_y
    gain = cov / (var_x + VIF_EPSILON)  # the regression of y_pred on y_true in the window
    residual = var_y - gain * cov
    flat_x = var_x < VIF_EPSILON  # nothing to transmit: no gain, all of y_pred's variance is noise
    gain = ops.where(flat_x, 0.0, gain)
    residual = ops.where(flat_x, var_y, residual)
    var_x = ops.where(flat_x, 0.0, var_x)
    flat_y = var_y < VIF_EPSILON  # nothing received
    gain = ops.where(flat_y, 0.0, gain)
    residual = ops.where(flat_y, 0.0, residual)
    inverted = gain < 0.0  # an inverted window carries no information
    residual = ops.where(inverted, var_y, residual)
    gain = ops.where(inverted, 0.0, gain)
    residual = ops.maximum(residual, VIF_EPSILON)
    # log1p: log(1 + v) without the rounding of 1 + v for small v (torchmetrics writes log10(1 + v))
    received = ops.log1p(ops.square(gain) * var_x / (residual + sigma_n_sq)) / math.log(10.0)
    sent = ops.log1p(var_x / sigma_n_sq) / math.log(10.0)
    return received, sent


@_checks.options(sigma_n_sq=_checks.positive(), **_checks.LAYOUT)
def vif_p(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    sigma_n_sq: float = 2.0,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Pixel-domain visual information fidelity (VIF-P) of `y_pred` against the reference `y_true`.

    For each scale s = 0..3 with Gaussian window `G_s` (`2**(4 - s) + 1` taps, width `taps / 5`,
    "valid" positions), local moments of x = `y_true` and y = `y_pred` give the variances `s_x`,
    `s_y`, the covariance `c`, the gain `g = c / (s_x + 1e-10)` and the residual variance
    `s_v = s_y - g c` (`VIF_EPSILON` masks: `s_x < 1e-10` gives `g = 0, s_v = s_y, s_x = 0`;
    `s_y < 1e-10` gives `g = 0, s_v = 0`; `g < 0` gives `g = 0, s_v = s_y`; then
    `s_v >= 1e-10`). Per channel,

        VIF = sum_s sum_windows log10(1 + g**2 s_x / (s_v + sigma_n_sq))
              / sum_s sum_windows log10(1 + s_x / sigma_n_sq)

    and the image's value is the mean over channels. Scale s > 0 starts from the previous scale's
    images filtered by `G_s` ("valid") and subsampled 2x (the first of each pair kept). 1 for
    identical images; it exceeds 1 where `y_pred` is a contrast-enhanced `y_true`.

    Each image and channel is first centred on its mean (variances and covariances do not
    change), which keeps float32 rounding small on 0-255 intensities.

    Equals `torchmetrics.functional.image.visual_information_fidelity(y_pred, y_true,
    reduction="none")` (torchmetrics 1.9) on 2D images, channel for channel, to 1e-5 of its
    float64 value. Its float32 value is itself up to 2.5e-5 (relative) from its float64 one on
    noisy 0-255 images (uncentred moments: `E[x**2] - E[x]**2` cancels at 255**2); measured in
    tests/structural/test_quality_indices.py. One deliberate difference: where its denominator
    is 0 (every window of a channel of `y_true` flat), torchmetrics gives 0 / 0 = NaN; here that
    channel scores 1 (nothing to preserve, nothing lost; piq's `(num + eps) / (den + eps)` gives
    1 as well). Volumes use the separable 3D windows of the same sizes and the same subsampling
    (no peer defines VIF for volumes); sequences are scored frame by frame.

    Args:
        sigma_n_sq: variance of the visual noise of the model, > 0, in squared intensity units
            of the images: the paper's 2.0 is for 8-bit intensities [0, 255]; for images on
            [0, 1] the same model noise is `2.0 / 255**2`.

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences; >= 0, 1 for identical images.

    Raises:
        ValueError: mismatched shapes, wrong rank, unknown layout options, `sigma_n_sq <= 0`, or
            a spatial size below `VIF_MIN_SIZE` (41; the message names `y_pred`, its shape and
            the minimum).
        TypeError: a non-numeric `sigma_n_sq` or a non-real dtype.

    References:
        Sheikh, Bovik, "Image information and visual quality", IEEE TIP 15(2), 2006;
        torchmetrics 1.9 `visual_information_fidelity`, whose numbers it matches.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> clean = 255 * rng.random((2, 48, 48, 1))  # (B, H, W, C), 8-bit intensities
        >>> float(vif_p(clean, clean)[0])  # identical images
        1.0
        >>> bool(vif_p(clean, clean + 20 * rng.standard_normal(clean.shape))[0] < 1.0)
        True
    """
    y_true, y_pred, layout = image_pair(y_true, y_pred, data_format=data_format, spatial_dims=spatial_dims)
    _check_min_size(y_pred, layout, VIF_MIN_SIZE, f"VIF ({VIF_SCALES} scales of 17, 9, 5 and 3 taps)")
    axes = layout.spatial_axes
    # Only variances and the covariance enter VIF, and they do not change when an image is shifted
    # by a constant: centring each image and channel on its mean removes most of the float32
    # cancellation of `G*(x**2) - (G*x)**2` on 0-255 intensities (see the tests for the figures).
    y_true = y_true - mean_over(y_true, axis=axes, keepdims=True)
    y_pred = y_pred - mean_over(y_pred, axis=axes, keepdims=True)
    received = sent = 0.0
    for scale in range(VIF_SCALES):
        taps, sigma = _vif_window(scale)
        if scale > 0:
            pair = ops.concatenate([y_true, y_pred], axis=layout.channel_axis)
            pair = _subsample(gaussian_filter_axes(pair, layout, size=taps, sigma=sigma, mode="valid"), axes)
            y_true, y_pred = ops.split(pair, 2, axis=layout.channel_axis)
        num, den = _vif_terms(y_true, y_pred, layout, taps, sigma, sigma_n_sq)
        received = received + sum_over(num, axis=axes)  # per (sample, channel): channels are last
        sent = sent + sum_over(den, axis=axes)
    informative = sent > 0.0
    ratio = ops.where(informative, received / ops.where(informative, sent, 1.0), 1.0)
    return ops.mean(ratio, axis=-1)


@_checks.options(
    filter_size=SSIM_OPTIONS["filter_size"], filter_sigma=SSIM_OPTIONS["filter_sigma"], **_checks.LAYOUT
)
def uqi(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    filter_size: int = 11,
    filter_sigma: float = 1.5,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Universal image quality index of each image pair: the mean of the local UQI map.

    With the Gaussian local moments of SSIM (`imagelosses.ssim`'s window, "valid" positions):
    means `mu`, `nu`, variances `s_x`, `s_y` and covariance `c` of x = `y_true`, y = `y_pred`,

        uqi map = (2 mu nu) (2 c) / ((mu**2 + nu**2) max(s_x + s_y, 0) + UQI_EPSILON)

    averaged over positions and channels. Equals
    `torchmetrics.functional.image.universal_image_quality_index(y_pred, y_true,
    reduction="none")` (torchmetrics 1.9), averaged per image: torchmetrics pads by
    `(filter_size - 1) // 2` (torch's "reflect"), filters, then crops the same number of samples
    per side, which keeps exactly the valid positions used here (no padded sample counts). Its
    epsilon is the machine epsilon of the input dtype; computing in float32, this is float32's
    (`UQI_EPSILON`), so float64 inputs to torchmetrics (epsilon 2.2e-16) give values up to a
    relative 1.6e-6 higher on random [0, 1] images (measured). It clamps each variance at 0, here their
    sum: they differ only where one window is flat to rounding, where both are rounding noise.
    Unlike torchmetrics (which crops everything away), `filter_size=1` is the pixelwise index.

    Relation to SSIM: Wang and Bovik's index is SSIM with both constants 0, and wherever
    `(mu**2 + nu**2) (s_x + s_y)` is far above `UQI_EPSILON` (any textured image),
    `uqi(x, y) == ssim(x, y, k1=0, k2=0)` to float32 rounding and a relative `UQI_EPSILON /
    ((mu**2 + nu**2)(s_x + s_y))`. They part on flat windows: there `ssim` with zero constants
    counts two black (luminance) or flat (contrast) windows as agreeing (1), while UQI's epsilon
    makes the window 0, so two black images score 0 here and 1 with `ssim(k1=0, k2=0)`.

    Args:
        filter_size: odd number of Gaussian taps per axis (default 11); every spatial size must reach it.
        filter_sigma: width of the Gaussian window, > 0 (default 1.5).

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences, in [-1, 1]; 1 for identical textured images.

    References:
        Wang, Bovik, "A universal image quality index", IEEE SPL 9(3), 2002;
        torchmetrics 1.9 `universal_image_quality_index`, whose numbers it matches.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> clean = rng.random((2, 24, 24, 3)).astype("float32")
        >>> round(float(uqi(clean, clean)[0]), 5)  # identical images
        1.0
    """
    y_true, y_pred, layout = image_pair(y_true, y_pred, data_format=data_format, spatial_dims=spatial_dims)
    _check_min_size(y_pred, layout, filter_size, f"UQI with filter_size={filter_size}")
    mu, nu, second_moments, cross = local_moments(y_true, y_pred, layout, filter_size, filter_sigma)
    mean_squares = ops.square(mu) + ops.square(nu)
    variances = ops.maximum(second_moments - mean_squares, 0.0)
    numerator = (2.0 * mu * nu) * (2.0 * (cross - mu * nu))
    return layout.per_sample_mean(numerator / (mean_squares * variances + UQI_EPSILON))


def _safe_norm(x, axis):
    """The Euclidean norm along `axis` (kept), with gradient 0 instead of 0 / 0 at the zero vector."""
    squares = sum_over(ops.square(x), axis=axis, keepdims=True)
    positive = squares > 0.0
    return ops.where(positive, ops.sqrt(ops.where(positive, squares, 1.0)), 0.0)


def _check_spectra(y_pred, layout) -> None:
    channels = y_pred.shape[layout.channel_axis]
    if channels is not None and channels < 2:
        raise ValueError(
            "`y_pred` has one channel: the spectral angle compares the channel vectors (spectra) "
            f"of each pixel and needs at least 2 channels; `y_pred` is {layout.describe()}. "
            f"Received: y_pred.shape={tuple(y_pred.shape)}"
        )


@_checks.options(**_checks.LAYOUT)
def spectral_angle_mapper(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Spectral angle mapper (SAM): the mean angle, in radians, between the spectra of each pixel.

    The spectrum of a pixel is its channel vector. With `u = y_true / |y_true|` and
    `v = y_pred / |y_pred|` at one pixel, the angle is `acos(u . v)`, computed as
    `2 atan2(|u - v|, |u + v|)` (Kahan's form: exact to float32 rounding at every angle, where
    `acos` of a rounded cosine loses half the digits near 0 and pi), and the value is its mean over
    pixels. Symmetric in its arguments, invariant to a positive scale of either spectrum.

    Zero spectra: the angle to a zero vector is undefined (torchmetrics' `0 / 0` gives NaN). Here
    a pixel where exactly one spectrum is zero scores pi / 2 (its cosine taken as 0, as an `eps`
    in the denominator of the cosine gives), and a pixel where both are zero scores 0 (identical
    spectra), so identical images always score 0 and the value is never NaN for finite inputs
    (a NaN input makes its image's value NaN).

    Gradient: finite everywhere, at most `1 / |y_pred|` in size per pixel (before the mean over
    pixels). At angle 0 (identical directions) the angle has a kink like `|t|` at 0: where
    `u - v` is exactly 0 the gradient is 0 (the norm's gradient at the zero vector is taken as
    0); where rounding leaves `u - v` a few ulps from 0 (XLA may fuse the two normalisations
    differently) it is another subgradient within that bound. Zero spectra pass no gradient.

    Equals `torchmetrics.functional.image.spectral_angle_mapper(y_pred, y_true,
    reduction="none")` (torchmetrics 1.9) averaged per image, on images without zero spectra;
    it differs at zero spectra (above) and is more accurate than torchmetrics' float32 `acos`
    at small angles.

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences, in [0, pi].

    Raises:
        ValueError: mismatched shapes, wrong rank, unknown layout options, or a single channel
            (the spectra need at least 2; torchmetrics refuses 1 channel too).
        TypeError: a non-real dtype.

    References:
        Yuhas, Goetz, Boardman, "Discrimination among semi-arid landscape endmembers using the
        Spectral Angle Mapper (SAM) algorithm", JPL Airborne Geoscience Workshop, 1992; Kahan,
        "Mindless", 2006 (the angle formula); torchmetrics 1.9 `spectral_angle_mapper`.

    Example:
        >>> spectra = np.array([[[[1.0, 0.0]]]])  # (B, H, W, C): one pixel, two bands
        >>> rotated = np.array([[[[1.0, 1.0]]]])
        >>> round(float(spectral_angle_mapper(spectra, rotated)[0]), 6)  # pi / 4
        0.785398
    """
    y_true, y_pred, layout = image_pair(y_true, y_pred, data_format=data_format, spatial_dims=spatial_dims)
    _check_spectra(y_pred, layout)
    axis = layout.channel_axis
    true_norm, pred_norm = _safe_norm(y_true, axis), _safe_norm(y_pred, axis)
    true_set, pred_set = true_norm > 0.0, pred_norm > 0.0
    both = ops.logical_and(true_set, pred_set)
    # unit spectra; a zero spectrum stays zero (divided by 1), so nothing below divides by 0
    u = y_true / ops.where(true_set, true_norm, 1.0)
    v = y_pred / ops.where(pred_set, pred_norm, 1.0)
    # |u - v|**2 + |u + v|**2 = 4 where both are set: atan2 is away from (0, 0) and its gradient finite
    apart = ops.where(both, _safe_norm(u - v, axis), 0.0)
    together = ops.where(both, _safe_norm(u + v, axis), 1.0)
    angle = 2.0 * ops.arctan2(apart, together)
    one_set = ops.logical_or(true_set, pred_set)
    angle = ops.where(both, angle, ops.where(one_set, 0.5 * math.pi, 0.0))
    # 0 * (the spectra's sums): 0 in value and gradient, but a NaN input stays NaN (not pi / 2)
    carrier = 0.0 * sum_over(y_true + y_pred, axis=axis, keepdims=True)
    return layout.per_sample_mean(angle + carrier)


@_checks.options(ratio=_checks.positive(), **_checks.LAYOUT)
def ergas(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    ratio: float = 4.0,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Relative global dimensionless synthesis error (ERGAS) of `y_pred` against the reference `y_true`.

    `ERGAS = (100 / ratio) sqrt(mean over channels k of mse_k / mean(y_true_k)**2)`, where `mse_k`
    is the mean squared error of channel (band) k over the image and `mean(y_true_k)` the mean of
    the reference band: the RMSE of each band relative to the reference's mean, so the roles are
    not interchangeable (torchmetrics' `target` is `y_true`). Lower is better; 0 for identical
    images.

    A band with zero error contributes 0, even where its reference mean is 0 (identical images
    score 0, not 0 / 0); a band with error and a reference mean of 0 makes the value inf; a NaN
    input makes its image's value NaN.

    Equals `torchmetrics.functional.image.error_relative_global_dimensionless_synthesis(y_pred,
    y_true, ratio=ratio, reduction="none")` (torchmetrics 1.9), which computes
    `(100 / ratio) sqrt(mean_k (rmse_k / mean_k)**2)`: the same number with one square root.

    Args:
        ratio: the ratio of the high to the low resolution's pixel size, `h / l` inverted as in
            torchmetrics (4 for a 4x pansharpening), > 0.

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences, >= 0.

    References:
        Wald, "Quality of high resolution synthesised images: is there a simple criterion?",
        2000; torchmetrics 1.9 `error_relative_global_dimensionless_synthesis`.

    Example:
        >>> reference = np.full((1, 8, 8, 2), 0.5)
        >>> round(float(ergas(reference, 0.75 * reference)[0]), 4)  # every band 25% off: 100/4 * 0.25
        6.25
    """
    y_true, y_pred, layout = image_pair(y_true, y_pred, data_format=data_format, spatial_dims=spatial_dims)
    axes = layout.spatial_axes
    mse = mean_over(ops.square(y_pred - y_true), axis=axes)  # (sample axes..., channels)
    band_mean = mean_over(y_true, axis=axes)
    erred = mse > 0.0
    relative = ops.where(erred, mse / ops.where(erred, ops.square(band_mean), 1.0), 0.0) + 0.0 * mse
    return (100.0 / ratio) * ops.sqrt(ops.mean(relative, axis=-1))
