"""SSIM and MS-SSIM for 2D images, 3D volumes and image sequences, on every backend.

Local statistics use a Gaussian window of `filter_size` taps and width `filter_sigma`, applied
separably (one 1D pass per spatial axis, `imagelosses.filters.smoothing`) with "valid" padding:
each map loses `filter_size - 1` samples per spatial axis and no value sees a padded sample. The
four maps `x`, `y`, `x**2 + y**2` and `x * y` are stacked on the channel axis (channels never
mix) and filtered in one call. With `mu = G*x`, `nu = G*y`, `c1 = (k1 max_val)**2`,
`c2 = (k2 max_val)**2`:

    luminance = (2 mu nu + c1) / (mu**2 + nu**2 + c1)
    cs        = (2 (G*(xy) - mu nu) + c2) / (G*(x**2 + y**2) - mu**2 - nu**2 + c2)
    ssim map  = luminance * cs

This is the arithmetic of `tf.image.ssim` (biased covariances, no compensation factor), so in 2D
the values equal it to float32 rounding. Input layouts (2D, 3D, `(B, T, ...)` sequences, both
data formats) are those of the layout table of `imagelosses`.

References:
    Wang, Bovik, Sheikh, Simoncelli, "Image quality assessment: from error visibility to
    structural similarity", IEEE TIP 13(4), 2004.
    Wang, Simoncelli, Bovik, "Multiscale structural similarity for image quality assessment",
    Asilomar 2003.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import ops

from imagelosses import _checks
from imagelosses._reduce import mean_over
from imagelosses._shapes import check_number, image_pair
from imagelosses._types import Tensor
from imagelosses.filters.smoothing import check_window, gaussian_filter_maps

# The five weights of Wang, Simoncelli and Bovik (2003), finest scale first (tf.image's default).
MS_SSIM_POWER_FACTORS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
# MS-SSIM raises each per-channel term to a small power; terms at or below this floor count as 0
# (as `tf.image.ssim_multiscale`'s relu does for terms <= 0). The floor keeps the gradient of
# `t ** p` (infinite at t = 0 for p < 1) finite: at the floor it is p * 1e-30 ** (p - 1) < 1e29.
MS_SSIM_TERM_FLOOR = 1e-30


def _power_factors(name, value):
    return _checks.reals(name, value, minimum=0.0)


# The validators of the similarity options, shared by `ssim`, `ms_ssim`, their losses and metrics.
SSIM_OPTIONS = {
    "max_val": _checks.positive(),
    "filter_size": _checks.odd_integer,
    "filter_sigma": _checks.positive(),
    "k1": _checks.non_negative(),
    "k2": _checks.non_negative(),
    **_checks.LAYOUT,
}
MS_SSIM_OPTIONS = {**SSIM_OPTIONS, "power_factors": _power_factors}

_checks.SHARED_DOCS.update(
    {
        "max_val": "the dynamic range of the images (1.0 for [0, 1], 255.0 for 8-bit), > 0.",
        "filter_size": "odd number of Gaussian taps per axis (default 11); every spatial size must reach it.",
        "filter_sigma": "width of the Gaussian window, > 0 (default 1.5).",
        "k1": "stabilising constant of the luminance term, `c1 = (k1 max_val)**2`, >= 0 (default 0.01).",
        "k2": "stabilising constant of the contrast-structure term, `c2 = (k2 max_val)**2`, >= 0 "
        "(default 0.03).",
        "power_factors": "one non-negative weight per scale, finest first (default Wang et al.'s five); "
        "the number of scales is its length.",
    }
)


def _check_options(max_val, filter_size, filter_sigma, k1, k2):
    max_val = check_number("max_val", max_val, minimum=0.0, exclusive=True)
    filter_size, filter_sigma = check_window(filter_size, filter_sigma, "filter_size", "filter_sigma")
    k1 = check_number("k1", k1, minimum=0.0)
    k2 = check_number("k2", k2, minimum=0.0)
    return max_val, filter_size, filter_sigma, k1, k2


def _check_min_size(y_pred, layout, minimum: int, what: str, remedy: str = "") -> None:
    for axis in layout.spatial_axes:
        size = y_pred.shape[axis]
        if size is not None and size < minimum:
            raise ValueError(
                f"`y_pred` is too small for {what}: every spatial size must be at least {minimum}"
                f"{remedy}; `y_pred` is {layout.describe()}. "
                f"Received: y_pred.shape={tuple(y_pred.shape)}"
            )


def local_moments(x, y, layout, filter_size, filter_sigma):
    """The Gaussian local moments ("valid" size) `G*x, G*y, G*(x**2 + y**2), G*(x y)`.

    Shared by SSIM and UQI (`imagelosses.structural.quality.uqi`).
    """
    maps = [x, y, ops.square(x) + ops.square(y), x * y]
    return gaussian_filter_maps(maps, layout, size=filter_size, sigma=filter_sigma)


def _luminance_cs(x, y, layout, max_val, filter_size, filter_sigma, k1, k2):
    """The luminance and contrast-structure maps ("valid" size) of one scale."""
    mu, nu, second_moments, cross = local_moments(x, y, layout, filter_size, filter_sigma)
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    mean_product = 2.0 * mu * nu
    mean_squares = ops.square(mu) + ops.square(nu)
    luminance = _ratio(mean_product + c1, mean_squares + c1, c1)
    cs = _ratio(2.0 * cross - mean_product + c2, second_moments - mean_squares + c2, c2)
    return luminance, cs


def _ratio(numerator, denominator, constant):
    """`numerator / denominator`; with a zero constant (`k1 = 0` or `k2 = 0`), 1 where the
    denominator is not positive: two black (luminance) or flat (contrast) windows agree fully,
    where the plain ratio would be 0 / 0 = NaN. With the default constants nothing changes."""
    if constant > 0.0:
        return numerator / denominator
    defined = denominator > 0.0
    return ops.where(defined, numerator / ops.where(defined, denominator, 1.0), 1.0)


def check_integer_range(y_true, y_pred, max_val) -> None:
    """8- and 16-bit unsigned images need the `max_val` of their dtype's range (255, 65535).

    A uint8 image scored with the default `max_val=1` would be compared as if its range were 1
    (PSNR 48 dB too low, SSIM's constants 255**2 too small): an error, not a guess. The CLI's
    `compare` reads files and scales each by its own dtype instead.
    """
    for name, x in (("y_true", y_true), ("y_pred", y_pred)):
        dtype = keras.backend.standardize_dtype(x.dtype) if hasattr(x, "dtype") else None
        bits = {"uint8": 8, "uint16": 16}.get(dtype)
        if bits and float(max_val) < 2**bits - 1:
            raise ValueError(
                f"Invalid value for argument `max_val` with {dtype} images. "
                f"Expected max_val={2**bits - 1} (the dtype's range), or images scaled to "
                f"[0, max_val] as floats. Received: max_val={max_val!r}, {name}.dtype={dtype}"
            )


def _prepare(y_true, y_pred, max_val, filter_size, filter_sigma, k1, k2, data_format, spatial_dims):
    options = _check_options(max_val, filter_size, filter_sigma, k1, k2)
    check_integer_range(y_true, y_pred, options[0])
    y_true, y_pred, layout = image_pair(y_true, y_pred, data_format=data_format, spatial_dims=spatial_dims)
    return y_true, y_pred, layout, options


@_checks.options(**SSIM_OPTIONS)
def ssim_map(
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
    """The local SSIM map `luminance * cs` (see the module docstring), per channel.

    Returns:
        float32 tensor of the input's layout with every spatial size reduced by
        `filter_size - 1` (valid positions only); channels and sample axes unchanged.

    Raises:
        ValueError, TypeError: as `ssim`.
    """
    y_true, y_pred, layout, options = _prepare(
        y_true, y_pred, max_val, filter_size, filter_sigma, k1, k2, data_format, spatial_dims
    )
    _check_min_size(y_pred, layout, options[1], f"SSIM with filter_size={options[1]}")
    luminance, cs = _luminance_cs(y_true, y_pred, layout, *options)
    return luminance * cs


@_checks.options(**SSIM_OPTIONS)
def ssim(
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
    """Structural similarity of each image pair: the mean of the SSIM map over space and channels.

    Equals `tf.image.ssim` (and `keras.ops.image.ssim`) on 2D images to float32 rounding. On 3D
    volumes the window is the separable 3D Gaussian; `skimage.metrics.structural_similarity(...,
    gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=max_val)` gives the
    same number once its border crop is aligned: scikit-image filters the full volume (reflect
    padding) and crops `(win_size - 1) // 2` samples per side, which keeps exactly our valid
    positions; its window has `2 * int(3.5 sigma + 0.5) + 1` taps (11 for sigma 1.5), ours
    `filter_size`, and it computes in float64.

    Args:
        y_true, y_pred: images of one shape, `(B, H, W, C)`, `(B, D, H, W, C)` or a sequence
            `(B, T, H, W, C)` with `spatial_dims=2` (channels_first likewise); any real dtype,
            computed in float32.
        max_val: the dynamic range of the images (1.0 for [0, 1], 255.0 for 8-bit), > 0.
        filter_size: odd number of Gaussian taps per axis; every spatial size must reach it.
        filter_sigma: width of the Gaussian window, > 0.
        k1, k2: the stabilising constants, `c1 = (k1 max_val)**2`, `c2 = (k2 max_val)**2`.

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences; 1 for identical images, at most 1.

    Raises:
        ValueError: mismatched shapes, wrong rank, unknown layout options, an even or
            non-positive `filter_size`, non-positive `max_val`/`filter_sigma`, negative `k1`/`k2`,
            or a spatial size below `filter_size` (the message states the minimum).
        TypeError: non-numeric options or a non-real dtype.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> clean = rng.random((2, 32, 32, 1)).astype("float32")  # (B, H, W, C) in [0, 1]
        >>> noisy = np.clip(clean + 0.05 * rng.standard_normal(clean.shape), 0, 1)
        >>> keras.ops.shape(ssim(clean, noisy))  # one value per image
        (2,)
        >>> float(ssim(clean, clean)[0])  # identical images
        1.0
    """
    y_true, y_pred, layout, options = _prepare(
        y_true, y_pred, max_val, filter_size, filter_sigma, k1, k2, data_format, spatial_dims
    )
    _check_min_size(y_pred, layout, options[1], f"SSIM with filter_size={options[1]}")
    luminance, cs = _luminance_cs(y_true, y_pred, layout, *options)
    return layout.per_sample_mean(luminance * cs)


def check_power_factors(power_factors) -> tuple[float, ...]:
    """A non-empty sequence of numbers >= 0, one per scale."""
    return _checks.reals("power_factors", power_factors, minimum=0.0)


def ms_ssim_min_size(filter_size: int, scales: int) -> int:
    """Smallest spatial size with `filter_size` samples left at the coarsest of `scales`.

    Each scale halves the size, rounding up: `ceil(n / 2**(scales - 1)) >= filter_size`.
    """
    return (filter_size - 1) * 2 ** (scales - 1) + 1


def _downsample(x, axes):
    """2x average pooling along `axes`; an odd size first repeats its last sample.

    This is `tf.image.ssim_multiscale`'s step (SYMMETRIC padding by one sample at the end of each
    odd axis, then a 2x2 VALID average pool): the last output sample of an odd axis is the last
    input sample. Written so that it needs no static size: after appending the last sample, the
    even positions up to the appended one and the odd positions pair up for both parities.
    """
    for axis in axes:
        index = [slice(None)] * len(x.shape)
        index[axis] = slice(-1, None)
        padded = ops.concatenate([x, x[tuple(index)]], axis=axis)
        index[axis] = slice(0, -1, 2)
        even = padded[tuple(index)]
        index[axis] = slice(1, None, 2)
        odd = padded[tuple(index)]
        x = 0.5 * (even + odd)
    return x


def _clipped_power(term, exponent: float):
    """`relu(term) ** exponent` (tf's value) with a finite gradient, and its surrogate.

    Returns `(value, surrogate)`. Kept terms (> `MS_SSIM_TERM_FLOOR`) are `term ** exponent` and
    have no surrogate. Dropped terms are 0 in value with no gradient (no infinite derivative at
    0), and their surrogate `exponent * (term - stop_gradient(term))` is 0 in value with the
    gradient of `exponent * term`. NaN passes through the surrogate.
    """
    if exponent == 0.0:  # tf's pow(relu(t), 0) is 1, even at t <= 0
        return ops.ones_like(term), 0.0 * term
    kept = term > MS_SSIM_TERM_FLOOR
    base = ops.where(kept, term, ops.ones_like(term))
    value = ops.where(kept, ops.power(base, exponent), ops.zeros_like(term))
    surrogate = ops.where(kept, ops.zeros_like(term), exponent * (term - ops.stop_gradient(term)))
    return value, surrogate


@_checks.options(**MS_SSIM_OPTIONS)
def ms_ssim(
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
    """Multi-scale structural similarity of each image pair.

    `ms_ssim = mean over channels of prod_{j<M} relu(cs_j) ** p_j * relu(ssim_M) ** p_M`, where
    scale 1 is the input, scale j + 1 is scale j average-pooled 2x along every spatial axis
    (`tf.image.ssim_multiscale`'s downsampling, odd sizes included), `cs_j` is the mean
    contrast-structure map of scale j per channel, `ssim_M` the mean SSIM map of the coarsest
    scale per channel, and `p = power_factors`. Equals `tf.image.ssim_multiscale` to float32
    rounding wherever that is finite.

    Negative terms: a negative `cs_j` (anti-correlated structure) raised to a fractional power is
    NaN. Like `tf.image.ssim_multiscale`, every term goes through relu first, so such an image pair
    scores 0 (the values are tf's). Unlike it, the gradient is finite and not zero: a term at or
    below `MS_SSIM_TERM_FLOOR` (1e-30) is 0 in value, and a surrogate `p * (t - stop_gradient(t))`,
    0 in value, is added to the product, so each clipped term backpropagates like `p * t`. That
    slope pushes the structure back towards positive correlation even when several terms are
    clipped (tf's gradient of `relu(t) ** p` at `t <= 0` is `0 * inf = NaN`; a plain relu's is 0,
    which stalls a model that starts with uncorrelated outputs). A power factor of 0 gives a
    factor 1, as `pow(0, 0) = 1` does.

    Args:
        power_factors: one non-negative weight per scale, finest first; the number of scales is
            its length, so `power_factors=(0.5, 0.5)` uses two scales on smaller images.

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences, in [0, 1]; never NaN for finite inputs.

    Raises:
        ValueError: as `ssim`, an empty or negative `power_factors`, and a spatial size below
            `(filter_size - 1) * 2**(scales - 1) + 1` (161 for 5 scales of 11 taps), stated in
            the message with the remedies.
        TypeError: as `ssim`.
    """
    powers = check_power_factors(power_factors)
    y_true, y_pred, layout, options = _prepare(
        y_true, y_pred, max_val, filter_size, filter_sigma, k1, k2, data_format, spatial_dims
    )
    scales = len(powers)
    _check_min_size(
        y_pred,
        layout,
        ms_ssim_min_size(options[1], scales),
        f"MS-SSIM with filter_size={options[1]} and {scales} scales (len(power_factors))",
        " (use a shorter `power_factors` or a smaller `filter_size` for smaller images)",
    )
    axes = layout.spatial_axes
    product = surrogates = None
    for scale, power in enumerate(powers):
        if scale > 0:
            y_true, y_pred = _downsample(y_true, axes), _downsample(y_pred, axes)
        luminance, cs = _luminance_cs(y_true, y_pred, layout, *options)
        term = luminance * cs if scale == scales - 1 else cs
        value, surrogate = _clipped_power(mean_over(term, axis=axes), power)  # per (sample, channel)
        product = value if product is None else product * value
        surrogates = surrogate if surrogates is None else surrogates + surrogate
    return ops.mean(product + surrogates, axis=-1)  # after the spatial means channels are last
