"""GMSD and MS-GMSD: the deviation of the gradient-magnitude similarity map, per image, 2D only.

Both follow the definitions of piq 0.8 (`piq.gmsd`, `piq.multi_scale_gmsd`), step by step:

1. Images are divided by `max_val` (a [0, 1] scale). Three channels are read as RGB and replaced
   by their luma `Y = 0.299 R + 0.587 G + 0.114 B` (the Y row of piq's `rgb2yiq`); one channel is
   used as it is. Other channel counts are refused (see "Differences from piq" below).
2. Gradient magnitude `m = sqrt(gx**2 + gy**2)`, with the Prewitt derivatives divided by 3
   (`kernels.PREWITT_DERIVATIVE` across, `kernels.BOX_3` along each axis), zero padding
   (mode "constant", torch's `conv2d(padding=1)`), so `m` has the image's size.
3. Gradient-magnitude similarity of the two maps, with the masking coefficient `alpha` (0 for
   GMSD) and the constant `t`:

       gms = (2 m1 m2 - alpha m1 m2 + t) / (m1**2 + m2**2 - alpha m1 m2 + t)

4. The index is the population standard deviation of the `gms` map of each image:
   `sqrt(mean((gms - mean(gms))**2))`. 0 for identical images, at most 0.5 (`gms` lies in (0, 1]
   for `alpha` in [0, 2]).

Downsampling (`halve`) is piq's: zero padding of one sample at the end of each odd axis, then a
2x2 average pool with stride 2 (`F.pad` then `F.avg_pool2d(kernel_size=2)`), so an odd side `n`
becomes `(n + 1) / 2` and its last sample is half the last input sample. piq pads both axes by
`max(H % 2, W % 2)`; on an even axis that extra row is dropped by the pool's floor, so padding
only the odd axes gives the same numbers. GMSD pools once before anything else; MS-GMSD scores
its first scale at full resolution and pools before each further scale.

Gradients: `sqrt` has an infinite derivative at 0, which gives NaN (`0 * inf`) where the gradient
magnitude is 0 (a flat region: piq issue #308) and at the deviation of identical images. Both
square roots here return their argument where it is not positive (`_sqrt_with_zero_gradient`): the
same value (0), a finite derivative (that of the argument, which is 0 there), and NaN inputs stay
NaN. No epsilon is added, so the values are piq's exactly; at a perfectly flat `y_pred` the
gradient through its flat pixels is 0 (a subgradient of `|g|` at `g = 0`), not NaN.

Differences from piq (deliberate): the channel count must be 1 or 3 (piq's `gmsd` fails inside
`conv2d` for others, and its `multi_scale_gmsd` silently keeps the first channel); `t` is given on
the [0, 1] scale in both functions (piq's `multi_scale_gmsd` takes `t=170` on a 0-255 scale,
the same constant); values outside [0, max_val] are not refused (piq checks them on the host; here
that would need a device sync). Layouts: both data formats and image sequences `(B, T, H, W, C)`
with `spatial_dims=2`; 3D volumes raise a ValueError (the index is defined for 2D images).

References:
    Xue, Zhang, Mou, Bovik, "Gradient Magnitude Similarity Deviation: A Highly Efficient
    Perceptual Image Quality Index", IEEE TIP 23(2), 2014.
    Zhang, Sander, Bermak, "Gradient magnitude similarity deviation on multiple scales for color
    image quality assessment", ICASSP 2017.
    piq 0.8.0 (photosynthesis-team/piq), `piq/gmsd.py`, whose numbers these functions match.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from keras import ops

from imagelosses import _checks
from imagelosses._reduce import mean_over
from imagelosses._shapes import image_pair
from imagelosses._types import Tensor
from imagelosses.filters import _conv
from imagelosses.filters.kernels import BOX_3, PREWITT_DERIVATIVE, full_kernel
from imagelosses.structural.ssim import check_integer_range

# The stabilising constant of the similarity map on the [0, 1] scale: the papers' T = 170 for
# 8-bit images, divided by 255**2 (piq's `gmsd` default).
GMSD_T = 170.0 / 255.0**2
# Zhang et al.'s weights of the four scales, finest first (piq's `multi_scale_gmsd` default).
MS_GMSD_SCALE_WEIGHTS = (0.096, 0.596, 0.289, 0.019)
# piq's `rgb2yiq` rows: Y (luma), I and Q (chroma), applied to RGB on the [0, 1] scale.
YIQ_WEIGHTS = np.array(
    [[0.299, 0.587, 0.114], [0.5959, -0.2746, -0.3213], [0.2115, -0.5227, 0.3112]], dtype=np.float64
)
# Python floats built at import, constants to every tracer (under torch.compile a numpy array in
# traced code is traced as a tensor, and its taps break the graph; see `imagelosses.filters._conv`):
# the portable filter's taps and the YIQ rows.
_PREWITT, _BOX = map(_conv.static_taps, (PREWITT_DERIVATIVE, BOX_3))
_PREWITT_2D = _conv.static_kernels(
    [full_kernel([PREWITT_DERIVATIVE, BOX_3]), full_kernel([BOX_3, PREWITT_DERIVATIVE])]
)
_YIQ_ROWS = YIQ_WEIGHTS.tolist()
# The chromatic term of MS-GMSDc is the RMSE of I and Q on the 0-255 scale (the paper's and
# piq's): `beta1` weighs that RMSE.
CHROMA_SCALE = 255.0
COLOUR_CHANNELS = (1, 3)


def _scale_weights(name, value):
    weights = _checks.reals(name, value, minimum=0.0)
    if sum(weights) <= 0.0:
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected non-negative weights with a positive sum. "
            f"Received: {name}={value!r}"
        )
    return weights


GMSD_OPTIONS = {"max_val": _checks.positive(), "t": _checks.positive(), **_checks.LAYOUT}
MS_GMSD_OPTIONS = {
    **GMSD_OPTIONS,
    "scale_weights": _scale_weights,
    "chromatic": _checks.flag,
    "alpha": _checks.number(0.0, 2.0),
    "beta1": _checks.non_negative(),
    "beta2": _checks.non_negative(),
    "beta3": _checks.non_negative(),
}

_checks.SHARED_DOCS.update(
    {
        "t": "the stabilising constant of the similarity map on the [0, 1] scale, > 0 (default "
        "170 / 255**2, the papers' 170 for 8-bit images).",
    }
)


def ms_gmsd_min_size(scales: int) -> int:
    """piq's smallest height and width for `scales` scales: `2**scales + 1` (17 for four)."""
    return 2**scales + 1


def _prepare(y_true, y_pred, max_val, data_format, spatial_dims, chromatic=False):
    """Float32 images on the [0, 1] scale, their layout and channel count, after the checks."""
    check_integer_range(y_true, y_pred, max_val)
    y_true, y_pred, layout = image_pair(y_true, y_pred, data_format=data_format, spatial_dims=spatial_dims)
    if layout.spatial_dims != 2:
        raise ValueError(
            "GMSD is defined for 2D images only: expected spatial_dims=2 ((B, H, W, C), or a "
            f"sequence (B, T, H, W, C) with spatial_dims=2); `y_pred` is {layout.describe()}. "
            f"Received: y_pred.shape={tuple(y_pred.shape)}"
        )
    channels = y_pred.shape[layout.channel_axis]
    if channels not in COLOUR_CHANNELS or (chromatic and channels != 3):
        expected = "3 (RGB) channels with chromatic=True" if chromatic else "1 (grey) or 3 (RGB) channels"
        raise ValueError(
            f"Invalid channel count for GMSD. Expected {expected}; `y_pred` is {layout.describe()}. "
            f"Received: y_pred.shape={tuple(y_pred.shape)}"
        )
    scale = 1.0 / float(max_val)
    return y_true * scale, y_pred * scale, layout, channels


def _normalise(*weights):
    weights = np.asarray(weights, np.float64)
    return weights / weights.sum()


# `scale_weights / sum(scale_weights)` as Python floats, computed by numpy outside tracing.
_normalised_weights = _conv.constant_taps(_normalise)


def _colour(x, layout, rows):
    """The `rows` of `YIQ_WEIGHTS` applied along the channel axis: `(..., 3) -> (..., len(rows))`."""
    weights = ops.convert_to_tensor([[_YIQ_ROWS[r][c] for r in rows] for c in range(3)], "float32")
    out = ops.tensordot(x, weights, axes=[[layout.channel_axis], [0]])  # new channels last
    return out if layout.data_format == "channels_last" else ops.moveaxis(out, -1, layout.channel_axis)


def _take(x, axis, start, stop=None, step=None):
    index = [slice(None)] * len(x.shape)
    index[axis] = slice(start, stop, step)
    return x[tuple(index)]


def halve(x, layout):
    """piq's 2x downsampling along both spatial axes: zero-pad odd axes by one, 2x2 mean, stride 2.

    Written without static sizes: after appending one zero sample, the even positions short of it
    and the odd positions pair up for both parities (an even axis drops the appended zero).
    """
    for axis in layout.spatial_axes:
        padded = ops.concatenate([x, ops.zeros_like(_take(x, axis, -1))], axis=axis)
        x = 0.5 * (_take(padded, axis, 0, -1, 2) + _take(padded, axis, 1, None, 2))
    return x


def _sqrt_with_zero_gradient(x):
    """`sqrt(x)` for `x >= 0`, returning `x` itself where `x <= 0` (or NaN).

    Same value as `sqrt` (0 at 0), but the derivative there is that of `x` (1) instead of inf, so
    `d sqrt(s(v)) = ds` stays finite (and is 0 where `ds` is, as at a zero gradient magnitude or
    a constant similarity map). NaN passes through, as `sqrt` does.
    """
    positive = x > 0.0
    return ops.where(positive, ops.sqrt(ops.where(positive, x, 1.0)), x)


def gradient_magnitude_prewitt(x, layout):
    """`sqrt(gx**2 + gy**2)` of piq's Prewitt kernels (divided by 3), zero padding, input-sized."""
    h, w = layout.spatial_axes
    if _conv.correlate3x3_applies(x, layout):
        grads = _conv.correlate3x3(x, _PREWITT_2D, "constant", layout)
        squares = ops.sum(ops.square(grads), axis=-1)
    else:
        gh = _conv.separable_correlate(x, {h: _PREWITT, w: _BOX}, "constant")
        gw = _conv.separable_correlate(x, {h: _BOX, w: _PREWITT}, "constant")
        squares = ops.square(gh) + ops.square(gw)
    return _sqrt_with_zero_gradient(squares)


def _similarity_variance(x, y, layout, t, alpha):
    """Per-sample variance of the gradient-magnitude similarity map of two one-channel images."""
    mx, my = gradient_magnitude_prewitt(x, layout), gradient_magnitude_prewitt(y, layout)
    product = mx * my
    masked = alpha * product
    # numerator and denominator written alike, so that identical maps give exactly 1
    gms = (2.0 * product - masked + t) / (ops.square(mx) + ops.square(my) - masked + t)
    axes = tuple(range(layout.num_sample_axes, len(gms.shape)))
    centred = gms - mean_over(gms, axis=axes, keepdims=True)
    return mean_over(ops.square(centred), axis=axes)


@_checks.options(**GMSD_OPTIONS)
def gmsd(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    max_val: float = 1.0,
    t: float = GMSD_T,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Gradient Magnitude Similarity Deviation (Xue et al. 2014) of each image pair; lower is better.

    The steps of the module docstring: luma of RGB, one 2x2 average pool (piq's), Prewitt
    gradient magnitudes, the similarity map with `alpha = 0`, and its standard deviation. Equals
    `piq.gmsd(x, y, data_range=max_val, t=t, reduction="none")` (piq 0.8.0) to float32 rounding,
    channels_first or channels_last, odd sizes included.

    `y_true` and `y_pred` are images of one shape in [0, max_val], `(B, H, W, C)` or a sequence
    `(B, T, H, W, C)` with `spatial_dims=2` (channels_first likewise), with C = 1 (grey) or C = 3
    (RGB); any real dtype, computed in float32.

    Args:
        max_val: the dynamic range of the images (1.0 for [0, 1], 255.0 for 8-bit), > 0.
        t: the stabilising constant of the similarity map on the [0, 1] scale, > 0.
        spatial_dims: None (rank 4: 2D images) or 2; a rank-5 input is a sequence
            `(B, T, H, W, C)` only with `spatial_dims=2`, and 3D volumes raise a ValueError.

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences, in [0, 0.5]; 0 for identical images.

    Raises:
        ValueError: 3D volumes, a channel count other than 1 or 3, mismatched shapes, wrong rank,
            unknown layout options, `max_val <= 0` or `t <= 0`.
        TypeError: non-numeric options or a non-real dtype.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> clean = rng.random((2, 32, 32, 3)).astype("float32")  # (B, H, W, C) RGB in [0, 1]
        >>> noisy = np.clip(clean + 0.1 * rng.standard_normal(clean.shape), 0, 1)
        >>> keras.ops.shape(gmsd(clean, noisy))  # one value per image
        (2,)
        >>> float(gmsd(clean, clean)[0])  # identical images
        0.0
    """
    y_true, y_pred, layout, channels = _prepare(y_true, y_pred, max_val, data_format, spatial_dims)
    if channels == 3:
        y_true, y_pred = _colour(y_true, layout, [0]), _colour(y_pred, layout, [0])
    y_true, y_pred = halve(y_true, layout), halve(y_pred, layout)
    return _sqrt_with_zero_gradient(_similarity_variance(y_true, y_pred, layout, t, 0.0))


@_checks.options(**MS_GMSD_OPTIONS)
def ms_gmsd(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    max_val: float = 1.0,
    scale_weights: Sequence[float] = MS_GMSD_SCALE_WEIGHTS,
    chromatic: bool = False,
    alpha: float = 0.5,
    beta1: float = 0.01,
    beta2: float = 0.32,
    beta3: float = 15.0,
    t: float = GMSD_T,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Multi-scale GMSD (Zhang et al. 2017) of each image pair; lower is better.

    `ms = sqrt(sum_j w_j gmsd_j**2)`, where `gmsd_j` is the deviation of the similarity map (with
    masking `alpha`) of the luma at scale j: scale 1 is the image itself, each further scale the
    previous one halved by piq's 2x2 pool, and `w = scale_weights / sum(scale_weights)`. With
    `chromatic=True` (MS-GMSDc, RGB only) the index mixes in the RMSE of the I and Q channels of
    the coarsest scale, on the 0-255 scale:

        gamma = 2 / (1 + beta2 exp(-beta3 ms)) - 1
        ms_c  = gamma ms + (1 - gamma) beta1 sqrt(sum over I, Q of mean((x_c - y_c)**2))

    Equals `piq.multi_scale_gmsd(x, y, data_range=max_val, reduction="none", ...)` (piq 0.8.0)
    with the same options to float32 rounding, except that `t` is on the [0, 1] scale: piq's
    `t=170` (on 0-255) is this function's default `170 / 255**2`.

    Inputs as `gmsd`, with a height and width of at least `2**len(scale_weights) + 1` (17 for the
    four default scales), piq's minimum.

    Args:
        max_val: the dynamic range of the images, > 0.
        scale_weights: one non-negative weight per scale, finest first, with a positive sum;
            normalised to sum 1 (default Zhang et al.'s four, which already do).
        chromatic: also score the chroma (MS-GMSDc); needs RGB input.
        alpha: the masking coefficient of the similarity map, in [0, 2] (the paper's 0.5).
        beta1: weight of the chromatic RMSE (0-255 scale), >= 0.
        beta2, beta3: shape of the luma/chroma mix `gamma`, >= 0.
        t: the stabilising constant of the similarity map on the [0, 1] scale, > 0.
        spatial_dims: as `gmsd`: None or 2 (2D images and sequences only).

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences, >= 0 (at most 0.5 with `chromatic=False`);
        0 for identical images.

    Raises:
        ValueError: as `gmsd`, `chromatic=True` on a grey image, a side below
            `2**len(scale_weights) + 1`, empty or negative `scale_weights`, or weights summing to 0.
        TypeError: as `gmsd`.
    """
    weights = _normalised_weights(*scale_weights)
    y_true, y_pred, layout, channels = _prepare(
        y_true, y_pred, max_val, data_format, spatial_dims, chromatic=chromatic
    )
    minimum = ms_gmsd_min_size(len(weights))
    for axis in layout.spatial_axes:
        if y_pred.shape[axis] is not None and y_pred.shape[axis] < minimum:
            raise ValueError(
                f"`y_pred` is too small for MS-GMSD with {len(weights)} scales (len(scale_weights)): "
                f"height and width must be at least {minimum}; `y_pred` is {layout.describe()}. "
                f"Received: y_pred.shape={tuple(y_pred.shape)}"
            )
    if channels == 3:  # the chroma is only needed, and only pooled, for chromatic=True
        rows = [0, 1, 2] if chromatic else [0]
        y_true, y_pred = _colour(y_true, layout, rows), _colour(y_pred, layout, rows)
    channel = layout.channel_axis
    total = None
    for scale, weight in enumerate(weights):
        if scale > 0:
            y_true, y_pred = halve(y_true, layout), halve(y_pred, layout)
        luma_true, luma_pred = _take(y_true, channel, 0, 1), _take(y_pred, channel, 0, 1)
        term = float(weight) * _similarity_variance(luma_true, luma_pred, layout, t, alpha)
        total = term if total is None else total + term
    score = _sqrt_with_zero_gradient(total)
    if not chromatic:
        return score
    chroma = CHROMA_SCALE * (_take(y_true, channel, 1) - _take(y_pred, channel, 1))
    rmse = _sqrt_with_zero_gradient(2.0 * layout.per_sample_mean(ops.square(chroma)))  # sum of 2 means
    gamma = 2.0 / (1.0 + beta2 * ops.exp(-beta3 * score)) - 1.0
    return gamma * score + (1.0 - gamma) * beta1 * rmse
