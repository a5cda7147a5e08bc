"""Image-registration losses: local NCC and mutual information, and displacement-field regularisers.

Similarity losses take a pair of images of one shape, `y_true` (the fixed image) and `y_pred` (the
moving image warped by the predicted deformation), in any layout of the `imagelosses` table, and
return one value per image: `(B,)`, or `(B, T)` for sequences. Both follow MONAI's sign convention
and equal MONAI 1.6.1 per image: `local_ncc_loss` is the *negated* mean squared local NCC and
`global_mutual_information_loss` the *negated* mutual information, so lower is better and a
perfect match scores -1 (LNCC) or about minus the intensity entropy of `y_true` (MI), not 0.

Regularisers score a dense displacement field (DDF) alone: `(B, H, W, 2)` or `(B, D, H, W, 3)`
channels_last, `(B, 2, H, W)` or `(B, 3, D, H, W)` channels_first (MONAI's layout), and sequences
`(B, T, H, W, 2)` with `spatial_dims=2`. Channel `c` holds the displacement along spatial axis `c`,
in the array's axis order (`D, H, W` for volumes), so the number of channels must equal
`spatial_dims`. `bending_energy(ddf)` and `diffusion_energy(ddf)` take the field alone; their
losses `bending_energy_loss(y_true, y_pred)` / `diffusion_loss` fit Keras's loss signature:
they regularise `y_pred` and ignore the values of `y_true`, which only has to have `y_pred`'s shape
(pass zeros, or the true field where there is one), as `total_variation_loss` does. Attach them to
the model output that predicts the field; see `bending_energy_loss` for a two-output model.

Derivatives are central differences: `x[i + 1] - 2 x[i] + x[i - 1]` for pure second
derivatives, `(x[i+1, j+1] - x[i+1, j-1] - x[i-1, j+1] + x[i-1, j-1]) / 4` for mixed ones and
`(x[i + 1] - x[i - 1]) / 2` for first ones (MONAI's stencils), evaluated at the interior samples
only (every spatial axis loses one sample at each end), which is why each spatial axis needs at
least 3 samples.
"""

from __future__ import annotations

import math

import numpy as np
from keras import ops

from imagelosses import _checks
from imagelosses._reduce import max_over, mean_over, min_over
from imagelosses._registry import register_loss
from imagelosses._shapes import check_same_shape, image_pair, resolve_layout, to_float
from imagelosses._types import Tensor
from imagelosses.filters import _conv
from imagelosses.filters.kernels import (
    CENTRAL_DIFFERENCE,
    LAPLACE_1D,
    box_taps,
    gaussian_window_taps,
    triangular_taps,
)
from imagelosses.losses.base import Loss

# MONAI's names for the LNCC windows (`kernel_type`), each a float64 stencil of `filters.kernels`.
NCC_KERNELS = {
    "rectangular": box_taps,
    "triangular": triangular_taps,
    "gaussian": gaussian_window_taps,
}

MI_KERNELS = ("gaussian", "b-spline")
# The b-spline histogram pads 2 bins at each end of the intensity range (ITK's rule, as MONAI), so
# it needs at least one bin inside them.
BSPLINE_PADDING = 2
FLOAT32_MAX = float(np.finfo(np.float32).max)

# Traced code holds no numpy (torch.compile traces a numpy array as a tensor, and a tap tested in
# Python breaks the graph; see `imagelosses.filters._conv`): fixed stencils are Python floats built
# at import, and what depends on an option is built by numpy outside tracing (`constant_taps`).
_LAPLACE, _CENTRAL = map(_conv.static_taps, (LAPLACE_1D, CENTRAL_DIFFERENCE))


def _ncc_window(kernel_type: str, kernel_size: int):
    """The LNCC window's taps followed by their sum (`np.sum`), one float64 array."""
    taps = NCC_KERNELS[kernel_type](kernel_size)
    return np.append(taps, np.sum(taps))


def _bin_centres(num_bins: int):
    """The Gaussian histogram's bin centres over [0, 1], followed by their mean spacing."""
    centres = np.linspace(0.0, 1.0, num_bins)
    return np.append(centres, np.mean(np.diff(centres)))


_ncc_window_taps = _conv.constant_taps(_ncc_window)
_bin_centre_taps = _conv.constant_taps(_bin_centres)


@_checks.options(
    kernel_size=_checks.odd_integer,
    kernel_type=_checks.one_of(*NCC_KERNELS),
    smooth_nr=_checks.non_negative(),
    smooth_dr=_checks.positive(),
    **_checks.LAYOUT,
)
def local_ncc_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    kernel_size: int = 3,
    kernel_type: str = "rectangular",
    smooth_nr: float = 0.0,
    smooth_dr: float = 1e-5,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Negated local squared normalised cross-correlation, in [-1, 0]: -1 for a perfect match.

    With `S[x]` the local sum of `x` under the window `w` (per channel, the window's outer product
    over the spatial axes, zero padding, output of the input's size), `N = S[1]` away from the
    border (the window's sum, `sum(w)**spatial_dims`) and `t = y_true`, `p = y_pred`:

        cross = S[t p] - S[t] S[p] / N
        var_t = max(S[t t] - S[t]**2 / N, smooth_dr),  var_p likewise
        loss  = -mean over pixels and channels of (cross**2 + smooth_nr) / (var_t var_p)

    This is MONAI's sign convention (`LocalNormalizedCrossCorrelationLoss` returns the negated
    squared NCC), kept so values and learning curves compare directly: lower is better, 0 means no
    local correlation. Windows (`filters.kernels`): "rectangular" `box_taps` (ones),
    "triangular" `triangular_taps` (a box convolved with itself, so 3 taps are `[0, 1, 0]`: a
    single pixel, whose variance is 0, clamped, and whose loss is 0), "gaussian"
    `gaussian_window_taps` (sigma `kernel_size / 3`, peak 1). The window's scale matters: the
    variances are local *sums*, clamped at `smooth_dr`. Samples outside the image count as zeros
    (MONAI's zero padding): near the border the statistics include them, so even a constant image
    has a local variance there.

    Args:
        kernel_size: the window's side, an odd integer >= 1.
        kernel_type: "rectangular" (default), "triangular" or "gaussian".
        smooth_nr: added to the squared cross term, >= 0.
        smooth_dr: the floor of each local variance, > 0 (MONAI also takes 0, where a flat window
            then gives 0 / 0 = NaN).

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences, in [-1, 0] (to float32 rounding).

    References:
        Avants et al., "Symmetric diffeomorphic image registration with cross-correlation",
        Medical Image Analysis 12(1), 2008; equal per image to MONAI 1.6.1
        `LocalNormalizedCrossCorrelationLoss` (`reduction="none"`, averaged per image).

    Example:
        >>> t = np.random.default_rng(0).random((2, 16, 16, 1))
        >>> loss = local_ncc_loss(t, t, kernel_size=5)
        >>> print(np.round(keras.ops.convert_to_numpy(loss), 4))
        [-1. -1.]
    """
    y_true, y_pred, layout = image_pair(y_true, y_pred, data_format=data_format, spatial_dims=spatial_dims)
    window = _ncc_window_taps(kernel_type, kernel_size)
    taps, window_sum = window[:-1], window[-1]
    volume = window_sum**layout.spatial_dims
    _conv.check_size(y_pred, layout.spatial_axes, kernel_size // 2, "constant", name="y_pred", layout=layout)
    # the five maps share one filtering pass: channels never mix
    axis = layout.channel_axis
    maps = ops.concatenate([y_true, y_pred, y_true * y_true, y_pred * y_pred, y_true * y_pred], axis=axis)
    sums = _conv.separable_correlate(maps, {a: taps for a in layout.spatial_axes}, "constant")
    t_sum, p_sum, tt_sum, pp_sum, tp_sum = ops.split(sums, 5, axis=axis)
    cross = tp_sum - p_sum / volume * t_sum
    var_t = ops.maximum(tt_sum - t_sum / volume * t_sum, smooth_dr)
    var_p = ops.maximum(pp_sum - p_sum / volume * p_sum, smooth_dr)
    return -layout.per_sample_mean((cross * cross + smooth_nr) / (var_t * var_p))


def _check_bins(options: dict) -> None:
    if options["kernel_type"] == "b-spline" and options["num_bins"] <= 2 * BSPLINE_PADDING:
        raise ValueError(
            "Invalid value for argument `num_bins`. Expected an integer >= 5 with "
            f"kernel_type='b-spline' (2 padding bins at each end). Received: num_bins={options['num_bins']!r}"
        )


def _samples(x, layout):
    """`(N, P)`: each image's (or frame's) pixels and channels in one row."""
    ns = layout.num_sample_axes
    rest = x.shape[ns:]
    if all(s is not None for s in rest):
        return ops.reshape(x, (-1, math.prod(list(rest))))  # a list: dynamo cannot prod a generator
    shape = ops.shape(x)
    n = shape[0] * shape[1] if ns == 2 else shape[0]
    return ops.reshape(x, (n, -1))


def _per_sample(values, like, layout):
    """`(N,)` values back to `(B,)` or `(B, T)`."""
    if layout.num_sample_axes == 2:
        t = like.shape[1] if like.shape[1] is not None else ops.shape(like)[1]
        return ops.reshape(values, (-1, t))
    return values


def _gaussian_windows(x, num_bins: int, sigma_ratio: float):
    """Parzen weights `(N, P, K)` of intensities clipped to [0, 1], Gaussian around K bin centres."""
    values = _bin_centre_taps(num_bins)
    # New floats: keras's `convert_to_tensor` walks the list, and dynamo cannot guard the types of
    # the items of an `assume_constant_result` value (an internal error, not a graph break)
    centres = ops.convert_to_tensor([float(c) for c in values[:-1]], "float32")
    sigma = values[-1] * sigma_ratio
    offsets = ops.clip(x, 0.0, 1.0)[..., None] - centres
    return ops.exp(-ops.square(offsets) / (2.0 * sigma**2))


def _bspline_windows(x, num_bins: int, order: int):
    """Parzen weights `(N, P, K)` of b-spline `order` 3 (cubic) or 0 (box) on each image's range.

    The range `[min, max]` of each image maps to bins `[2, K - 2]` and positions are clipped to
    `[2, K - 3]` (ITK's padding, as MONAI). A constant image, whose range is 0 (MONAI divides by it
    and returns NaN), is given a range of 1 so that all its pixels sit in bin 2.
    """
    # `initial`: TensorFlow refuses the min of an empty batch; never reached by a non-empty image
    low = min_over(x, axis=-1, keepdims=True, initial=FLOAT32_MAX)
    span = max_over(x, axis=-1, keepdims=True, initial=-FLOAT32_MAX) - low
    bin_size = ops.where(span > 0, span, 1.0) / float(num_bins - 2 * BSPLINE_PADDING)
    position = ops.clip(
        (x - low) / bin_size + BSPLINE_PADDING, BSPLINE_PADDING, num_bins - BSPLINE_PADDING - 1
    )
    d = ops.abs(ops.convert_to_tensor([float(k) for k in range(num_bins)], "float32") - position[..., None])
    if order == 0:
        return ops.cast(d < 0.5, "float32") + 0.5 * ops.cast(d == 0.5, "float32")
    near = (4.0 - 6.0 * d**2 + 3.0 * d**3) / 6.0
    far = (2.0 - d) ** 3 / 6.0
    return ops.where(d < 1.0, near, ops.where(d < 2.0, far, 0.0))


@_checks.options(
    num_bins=_checks.whole(2),
    sigma_ratio=_checks.positive(),
    kernel_type=_checks.one_of(*MI_KERNELS),
    smooth_nr=_checks.non_negative(),
    smooth_dr=_checks.positive(),
    combined=_check_bins,
    **_checks.LAYOUT,
)
def global_mutual_information_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    num_bins: int = 23,
    sigma_ratio: float = 0.5,
    kernel_type: str = "gaussian",
    smooth_nr: float = 1e-7,
    smooth_dr: float = 1e-7,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Negated mutual information of the intensities of `y_true` and `y_pred`, Parzen-windowed.

    Every pixel and channel of an image is one sample `(a, b) = (y_pred, y_true)`. Each sample
    spreads over `K = num_bins` bins with weights `w_a(k)`, `w_b(k)` that sum to 1 over `k`; with
    `P` samples, `p_ab = sum w_a w_b^T / P`, `p_a`, `p_b` its marginals (the mean weights) and

        loss = -sum over bins i, j of p_ab log((p_ab + smooth_nr) / (p_a p_b + smooth_dr) + smooth_dr)

    `kernel_type="gaussian"`: `w(k) ~ exp(-(x - c_k)**2 / (2 sigma**2))`, centres `c_k` evenly
    spaced over [0, 1], `sigma = sigma_ratio / (K - 1)`. MONAI clips intensities to [0, 1] first,
    and so does this: scale images to [0, 1] beforehand. A value outside is counted as 0 or 1, and
    the gradient is 0 there (a prediction that leaves [0, 1] gets no signal back).
    `kernel_type="b-spline"` (Mattes et al., from ITK): each image's own range `[min, max]` maps to
    the bins, no clipping; `y_pred` gets a cubic b-spline window, `y_true` a box (its gradient is
    0: `y_true` is the fixed image). The value is symmetric in the two images for "gaussian".

    Deliberate differences from MONAI's b-spline: MONAI takes the range over the whole batch, so an
    image's value depends on the others; here the range is each image's own (equal to MONAI called
    on one image at a time), and a constant image, where MONAI divides by a zero range and returns
    NaN, gets all its pixels in one bin (its entropy, and the loss, is then 0).

    Args:
        num_bins: the number of histogram bins, an integer >= 2 (>= 5 for "b-spline").
        sigma_ratio: the Gaussian's width in bin spacings, > 0 ("gaussian" only).
        kernel_type: "gaussian" (default) or "b-spline".
        smooth_nr: added to the joint probability inside the log, >= 0.
        smooth_dr: added to the product of the marginals and to the ratio, > 0 (MONAI also takes
            0, where an empty bin then gives 0 log(0 / 0) = NaN).

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences, in [-log(num_bins), 0] up to the smoothing
        terms.

    References:
        Mattes et al., "PET-CT image registration in the chest using free-form deformations", IEEE
        TMI 22(1), 2003; DeepReg (Fu et al., JOSS 2020); equal per image to MONAI 1.6.1
        `GlobalMutualInformationLoss` (`reduction="none"`).

    Example:
        >>> t = np.random.default_rng(0).random((1, 16, 16, 1))
        >>> same = global_mutual_information_loss(t, t)
        >>> other = global_mutual_information_loss(t, np.random.default_rng(1).random((1, 16, 16, 1)))
        >>> bool(keras.ops.convert_to_numpy(same)[0] < keras.ops.convert_to_numpy(other)[0])
        True
    """
    y_true, y_pred, layout = image_pair(y_true, y_pred, data_format=data_format, spatial_dims=spatial_dims)
    a, b = _samples(y_pred, layout), _samples(y_true, layout)
    if kernel_type == "gaussian":
        w_a, w_b = _gaussian_windows(a, num_bins, sigma_ratio), _gaussian_windows(b, num_bins, sigma_ratio)
    else:
        w_a, w_b = _bspline_windows(a, num_bins, order=3), _bspline_windows(b, num_bins, order=0)
    w_a = w_a / ops.sum(w_a, axis=-1, keepdims=True)
    w_b = w_b / ops.sum(w_b, axis=-1, keepdims=True)
    p_a, p_b = mean_over(w_a, axis=1), mean_over(w_b, axis=1)  # (N, K)
    count = ops.cast(ops.shape(w_a)[1], "float32")
    p_ab = ops.matmul(ops.transpose(w_a, (0, 2, 1)), w_b) / count  # (N, K, K)
    independent = p_a[:, :, None] * p_b[:, None, :]
    ratio = (p_ab + smooth_nr) / (independent + smooth_dr) + smooth_dr
    return -_per_sample(ops.sum(p_ab * ops.log(ratio), axis=(1, 2)), y_pred, layout)


def _displacement_field(ddf, name: str, data_format, spatial_dims):
    """A float32 field and its layout, after the rank, channel and size checks."""
    ddf = to_float(ddf, name)
    layout = resolve_layout(ddf.shape, data_format=data_format, spatial_dims=spatial_dims, name=name)
    channels = ddf.shape[layout.channel_axis]
    if channels is not None and channels != layout.spatial_dims:
        raise ValueError(
            f"Invalid shape for `{name}`. Expected a displacement field with {layout.spatial_dims} "
            f"channels, one displacement component per spatial axis; `{name}` is {layout.describe()}. "
            f"Received: {name}.shape={tuple(ddf.shape)}"
        )
    _conv.check_size(ddf, layout.spatial_axes, 1, "valid", name=name, layout=layout)
    return ddf, layout


def _interior(x, layout, axes):
    """Drops the first and last sample of each spatial axis not in `axes` (already valid there)."""
    return _conv.crop(x, [a for a in layout.spatial_axes if a not in axes], 1)


def _sizes(x, layout) -> list:
    """The spatial sizes, static where known."""
    return [x.shape[a] if x.shape[a] is not None else ops.shape(x)[a] for a in layout.spatial_axes]


def _per_component(numerator, sizes, layout):
    """`numerator / n_c` for each channel `c`, shaped to broadcast along the channel axis.

    MONAI's `normalize=True`: a derivative of component `c` along axes `a`, `b` is scaled by
    `n_a n_b / n_c`, `n` the spatial sizes, so the value no longer depends on the sampling.
    """
    shape = [1] * layout.rank
    shape[layout.channel_axis] = layout.spatial_dims
    component = ops.stack([ops.cast(s, "float32") for s in sizes])
    return ops.reshape(ops.cast(numerator, "float32") / component, shape)


FIELD_OPTIONS = {"normalize": _checks.flag, **_checks.LAYOUT}


@_checks.options(**FIELD_OPTIONS)
def bending_energy(
    ddf: Tensor,
    *,
    normalize: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Bending energy of a displacement field: the mean squared second derivatives.

    `mean over interior samples and components c of sum_a (d_aa u_c)**2 + 2 sum_{a<b} (d_ab u_c)**2`,
    with the central differences of the module docstring. 0 for any affine field.

    Args:
        ddf: the field, `(B, H, W, 2)`, `(B, D, H, W, 3)` or a sequence `(B, T, H, W, 2)`
            (channels_first likewise); channel `c` is the displacement along spatial axis `c`.
        normalize: scale each derivative of component `c` along axes `a`, `b` by `n_a n_b / n_c`
            (`n` the spatial sizes), as MONAI's `normalize=True`, making the value roughly
            independent of the field's resolution.

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences, >= 0.

    Raises:
        ValueError: a number of channels other than `spatial_dims` (the message names the
            argument), a spatial axis shorter than 3 samples, a wrong rank or layout option.
        TypeError: a non-real dtype.

    References:
        Rueckert et al., "Nonrigid registration using free-form deformations: application to
        breast MR images", IEEE TMI 18(8), 1999; equal per field to MONAI 1.6.1
        `BendingEnergyLoss` (`reduction="none"`, averaged per field).

    Example:
        >>> x = np.linspace(0.0, 1.0, 8)
        >>> affine = np.stack(np.meshgrid(x, 2 * x, indexing="ij"), axis=-1)[None]  # (1, 8, 8, 2)
        >>> print(np.round(keras.ops.convert_to_numpy(bending_energy(affine)), 6))
        [0.]
    """
    ddf, layout = _displacement_field(ddf, "ddf", data_format, spatial_dims)
    sizes = _sizes(ddf, layout)
    axes = layout.spatial_axes
    energy = None
    for i, a in enumerate(axes):
        pure = _interior(_conv.correlate1d(ddf, _LAPLACE, a, "valid"), layout, (a,))
        if normalize:
            pure = pure * _per_component(sizes[i] * sizes[i], sizes, layout)
        term = pure * pure
        energy = term if energy is None else energy + term
        first = _conv.correlate1d(ddf, _CENTRAL, a, "valid") if a != axes[-1] else None
        for j, b in enumerate(axes[i + 1 :], start=i + 1):
            mixed = _interior(_conv.correlate1d(first, _CENTRAL, b, "valid"), layout, (a, b))
            if normalize:
                mixed = mixed * _per_component(sizes[i] * sizes[j], sizes, layout)
            energy = energy + 2.0 * mixed * mixed
    return layout.per_sample_mean(energy)


@_checks.options(**FIELD_OPTIONS)
def diffusion_energy(
    ddf: Tensor,
    *,
    normalize: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Diffusion regulariser of a displacement field: the mean squared first derivatives.

    `mean over interior samples and components c of sum_a (d_a u_c)**2` with central differences
    `d_a u = (u[i + 1] - u[i - 1]) / 2` (VoxelMorph's smoothness term). 0 for a constant field.

    Args:
        ddf: the field, as for `bending_energy`.
        normalize: scale each derivative of component `c` along axis `a` by `n_a / n_c` (MONAI's
            `normalize=True`).

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences, >= 0.

    Raises:
        ValueError: as for `bending_energy`.
        TypeError: a non-real dtype.

    References:
        Balakrishnan et al., "VoxelMorph: a learning framework for deformable medical image
        registration", IEEE TMI 38(8), 2019; equal per field to MONAI 1.6.1 `DiffusionLoss`
        (`reduction="none"`, averaged per field).

    Example:
        >>> shift = np.ones((1, 8, 8, 2))
        >>> print(np.round(keras.ops.convert_to_numpy(diffusion_energy(shift)), 6))
        [0.]
    """
    ddf, layout = _displacement_field(ddf, "ddf", data_format, spatial_dims)
    sizes = _sizes(ddf, layout)
    energy = None
    for i, a in enumerate(layout.spatial_axes):
        gradient = _interior(_conv.correlate1d(ddf, _CENTRAL, a, "valid"), layout, (a,))
        if normalize:
            gradient = gradient * _per_component(sizes[i], sizes, layout)
        term = gradient * gradient
        energy = term if energy is None else energy + term
    return layout.per_sample_mean(energy)


def _regularised_field(y_true, y_pred, data_format, spatial_dims):
    """`y_pred` checked as a field, and `y_true` (values ignored) checked to have its shape."""
    y_pred, layout = _displacement_field(y_pred, "y_pred", data_format, spatial_dims)
    check_same_shape(to_float(y_true, "y_true"), y_pred)
    return y_pred, layout


@_checks.options(**FIELD_OPTIONS)
def bending_energy_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    normalize: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """`bending_energy(y_pred)`: a regulariser in Keras's loss signature; `y_true` is ignored.

    `y_true` must have `y_pred`'s shape (Keras passes a target for every output): pass zeros, or
    the true field where there is one; its values never change the loss. Use it on the output of a
    registration network that predicts the field, beside a similarity loss on the warped image:

        model = keras.Model(inputs, [warped, ddf])
        model.compile(loss=[LocalNCCLoss(), BendingEnergyLoss()], loss_weights=[1.0, 0.5])
        model.fit(x, [fixed, np.zeros_like(ddf)])

    Args:
        normalize: as for `bending_energy`.

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences, >= 0.

    Raises:
        ValueError: `y_pred` with a number of channels other than `spatial_dims`, a spatial axis
            shorter than 3 samples, `y_true` of another shape, a wrong rank or layout option.
        TypeError: a non-real dtype.

    Example:
        >>> inputs = keras.Input((8, 8, 1))
        >>> image = keras.layers.Conv2D(1, 3, padding="same", name="image")(inputs)
        >>> field = keras.layers.Conv2D(2, 3, padding="same", name="field")(inputs)
        >>> model = keras.Model(inputs, [image, field])
        >>> model.compile(
        ...     optimizer="sgd",
        ...     loss=[keras.losses.MeanSquaredError(), imagelosses.BendingEnergyLoss()],
        ...     loss_weights=[1.0, 0.1],
        ... )
        >>> x = np.random.default_rng(0).random((2, 8, 8, 1)).astype("float32")
        >>> history = model.fit(x, [x, np.zeros((2, 8, 8, 2), "float32")], epochs=1, verbose=0)
    """
    y_pred, layout = _regularised_field(y_true, y_pred, data_format, spatial_dims)
    return bending_energy(
        y_pred, normalize=normalize, data_format=layout.data_format, spatial_dims=layout.spatial_dims
    )


@_checks.options(**FIELD_OPTIONS)
def diffusion_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    normalize: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """`diffusion_energy(y_pred)`: a regulariser in Keras's loss signature; `y_true` is ignored.

    `y_true` must have `y_pred`'s shape; its values never change the loss (see
    `bending_energy_loss` for its use on a model's second output).

    Args:
        normalize: as for `diffusion_energy`.

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences, >= 0.

    Raises:
        ValueError: as for `bending_energy_loss`.
        TypeError: a non-real dtype.
    """
    y_pred, layout = _regularised_field(y_true, y_pred, data_format, spatial_dims)
    return diffusion_energy(
        y_pred, normalize=normalize, data_format=layout.data_format, spatial_dims=layout.spatial_dims
    )


@register_loss
class LocalNCCLoss(Loss, fn=local_ncc_loss):
    """Negated local squared NCC per image, in [-1, 0] (MONAI's sign): lower is better."""


@register_loss
class GlobalMutualInformationLoss(Loss, fn=global_mutual_information_loss):
    """Negated Parzen-window mutual information per image (MONAI's sign): lower is better."""


@register_loss
class BendingEnergyLoss(Loss, fn=bending_energy_loss):
    """Bending energy of the displacement field `y_pred` per field; `y_true` is ignored."""


@register_loss
class DiffusionLoss(Loss, fn=diffusion_loss):
    """Diffusion (squared first derivatives) of the displacement field `y_pred`; `y_true` ignored."""
