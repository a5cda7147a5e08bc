"""Region losses: Dice, generalized Dice, Jaccard, Tversky and focal Tversky.

Inputs and label options (`ignore_class`, `from_logits`, `data_format`, `spatial_dims`) are those
of `imagelosses.losses`. Every loss here is computed per image and per class from the soft counts
`tp = sum p t`, `fp = sum p (1 - t)`, `fn = sum (1 - p) t` over the counted pixels, then averaged
over classes:

- `per_image=True` (default): one statistic per image (per frame for sequences); returns `(B,)`
  (`(B, T)`). `sample_weight` and multi-device training then behave as for any per-sample loss.
- `per_image=False`: the counts are summed over the whole batch first (MONAI's `batch=True`); the
  one batch value is returned repeated, shape `(B,)`, so Keras's mean reduction gives it back.
- Class average: `sum_k w_k loss_k / sum_k w_k` with `w_k = class_weights[k]` (default 1), over all
  K classes, less class 0 when `include_background=False` (K >= 2, as MONAI's option) and less
  classes named by `ignore_class`. MONAI instead multiplies by its class weights and takes a plain
  mean: the two agree when the weights average to 1.
- K = 1 (sigmoid, binary): the one foreground channel is the only class.
- Smoothing `smooth` sits in numerator and denominator, so an empty class predicted empty has a
  loss of 0 (Keras's `Dice` gives 1 there; it adds only `epsilon` to the denominator). The
  denominator is also clamped at `DIVISION_EPSILON` so `smooth=0` stays finite (as
  segmentation_models_pytorch does). MONAI's defaults are `smooth_nr = smooth_dr = 1e-5`.
- Void pixels (all of an image ignored) contribute nothing: such an image has every count 0 and a
  loss of 0 (with `smooth > 0`), with zero gradient.
- Soft labels (`soft_label=True`): with targets strictly between 0 and 1 (label smoothing,
  averaged annotators, mixup, distillation from a teacher's probabilities) the counts above are
  not minimised at `p = t`: for `t = 0.5` everywhere Dice gives 0.5 at `p = t` and 0.33 at
  `p = 1`, so training pushes the prediction to hard labels. `soft_label=True` takes
  `tp = (|p|_1 + |t|_1 - |p - t|_1) / 2`, `fp = |p|_1 - tp`, `fn = |t|_1 - tp` (Wang and
  Blaschko, MICCAI 2023; MONAI's `soft_label=True`), whose loss is 0 exactly at `p = t`. On hard
  (0/1) labels the counts are the same as with `False`, so the option costs one extra sum; use
  it whenever `y_true` may hold values other than 0 and 1. `squared=True` is unchanged by it
  (its L2 form gives back `sum p t`).
"""

from __future__ import annotations

from collections.abc import Sequence

from keras import ops

from imagelosses import _checks
from imagelosses._reduce import max_over
from imagelosses._registry import register_loss
from imagelosses._types import Tensor
from imagelosses.losses import _labels
from imagelosses.losses._counts import Counts, pixel_sum, soft_counts
from imagelosses.losses.base import Loss

# Floor of every ratio's denominator, and of the Dice score under `log=True` (smp's eps).
DIVISION_EPSILON = 1e-7

_checks.SHARED_DOCS.setdefault(
    "soft_label",
    "False (default) or True: counts for soft labels, minimised at `p = t` (see the "
    "module docstring; MONAI's `soft_label`); the same values on hard labels.",
)


def _ratio(numerator, denominator):
    return numerator / ops.maximum(denominator, DIVISION_EPSILON)


def _prepare(y_true, y_pred, from_logits, ignore_class, data_format, spatial_dims):
    """The prepared labels and predictions (the options were checked by `_checks.options`)."""
    return _labels.prepare(
        y_true,
        y_pred,
        from_logits=from_logits,
        ignore_class=ignore_class,
        data_format=data_format,
        spatial_dims=spatial_dims,
    )


def _finish(per_class, seg, per_image, class_weights, include_background):
    value = _labels.class_average(
        per_class, seg, class_weights=class_weights, include_background=include_background
    )
    return _labels.per_sample(value, seg, per_image)


def _counts(seg, per_image, soft_label):
    """The soft counts; with `soft_label=True`, `tp` from L1 norms (Wang and Blaschko 2023).

    `tp = (|p|_1 + |t|_1 - |p - t|_1) / 2`, `fp = |p|_1 - tp`, `fn = |t|_1 - tp` over the counted
    pixels (MONAI's `soft_label=True`). On hard labels `|p - t|_1 = fp + fn`, so every count is
    unchanged; on soft labels every region loss here is 0, its minimum, exactly at `p = t`.
    """
    counts = soft_counts(seg, per_image)
    if not soft_label:
        return counts
    difference = pixel_sum(ops.abs(seg.pred - seg.target), seg, per_image)
    tp = ops.maximum(0.5 * (counts.predicted + counts.actual - difference), 0.0)
    return Counts(
        tp,
        ops.maximum(counts.predicted - tp, 0.0),
        ops.maximum(counts.actual - tp, 0.0),
        counts.predicted,
        counts.actual,
    )


@_checks.options(
    smooth=_checks.non_negative(),
    squared=_checks.flag,
    log=_checks.flag,
    soft_label=_checks.flag,
    **_labels.LABEL_OPTIONS,
)
def dice_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    smooth: float = 1.0,
    squared: bool = False,
    log: bool = False,
    soft_label: bool = False,
    ignore_class: int | Sequence[int] | None = None,
    class_weights: Sequence[float] | None = None,
    per_image: bool = True,
    include_background: bool = True,
    from_logits: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Soft Dice loss (Milletari et al. 2016), per image and class, averaged over classes.

    `dice_k = (2 tp_k + smooth) / (2 tp_k + fp_k + fn_k + smooth)`; with `squared=True` the
    denominator is `sum p_k^2 + sum t_k^2 + smooth` (V-Net's form, MONAI's `squared_pred`).
    The loss of class k is `1 - dice_k`, or `-log(max(dice_k, DIVISION_EPSILON))` with
    `log=True` (the "focal - log(Dice)" recipe; segmentation_models_pytorch's `log_loss`, which
    also takes the log per class before averaging).

    Args:
        smooth: >= 0, added to numerator and denominator (default 1).
        squared: False (default) or True: the squared denominator above.
        log: False (default) or True: `-log(dice)` per class instead of `1 - dice`.

    Returns:
        float32 `(B,)` (`(B, T)` for sequences), in [0, 1] (`log=False`).

    Matches `monai.losses.DiceLoss(smooth_nr=s, smooth_dr=s)` with one-hot labels (mean over
    classes), and `keras.losses.Dice(axis=spatial+channel)` for K = 1 when `smooth=0`, up to
    Keras's epsilon.
    """
    seg = _prepare(y_true, y_pred, from_logits, ignore_class, data_format, spatial_dims)
    counts = _counts(seg, per_image, soft_label and not squared)  # squared: the same either way
    if squared:
        denominator = pixel_sum(ops.square(seg.pred), seg, per_image) + pixel_sum(
            ops.square(seg.target), seg, per_image
        )
    else:
        denominator = counts.predicted + counts.actual  # 2 tp + fp + fn
    dice = _ratio(2.0 * counts.tp + smooth, denominator + smooth)
    per_class = -ops.log(ops.maximum(dice, DIVISION_EPSILON)) if log else 1.0 - dice
    return _finish(per_class, seg, per_image, class_weights, include_background)


@_checks.options(smooth=_checks.non_negative(), soft_label=_checks.flag, **_labels.LABEL_OPTIONS)
def jaccard_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    smooth: float = 1.0,
    soft_label: bool = False,
    ignore_class: int | Sequence[int] | None = None,
    class_weights: Sequence[float] | None = None,
    per_image: bool = True,
    include_background: bool = True,
    from_logits: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Soft Jaccard (IoU) loss: `1 - (tp + smooth) / (tp + fp + fn + smooth)` per class.

    MONAI's `DiceLoss(jaccard=True)` computes `1 - (2 tp + s_nr) / (2 (tp + fp + fn) + s_dr)`:
    the same value with `smooth = s/2`.

    Args:
        smooth: >= 0, added to numerator and denominator (default 1).

    Returns:
        float32 `(B,)` (`(B, T)` for sequences), in [0, 1].
    """
    seg = _prepare(y_true, y_pred, from_logits, ignore_class, data_format, spatial_dims)
    c = _counts(seg, per_image, soft_label)
    per_class = 1.0 - _ratio(c.tp + smooth, c.tp + c.fp + c.fn + smooth)
    return _finish(per_class, seg, per_image, class_weights, include_background)


def _tversky_index(seg, per_image, alpha, beta, smooth, soft_label):
    c = _counts(seg, per_image, soft_label)
    return _ratio(c.tp + smooth, c.tp + alpha * c.fp + beta * c.fn + smooth)


def _tversky_weights(options):
    if options["alpha"] == 0.0 and options["beta"] == 0.0:
        raise ValueError(
            "Invalid values for arguments `alpha` and `beta`. Expected at least one of them > 0 "
            "(with both 0 the index is 1 and the loss 0 whatever the prediction). "
            f"Received: alpha={options['alpha']}, beta={options['beta']}"
        )


@_checks.options(
    combined=_tversky_weights,
    alpha=_checks.non_negative(),
    beta=_checks.non_negative(),
    smooth=_checks.non_negative(),
    soft_label=_checks.flag,
    **_labels.LABEL_OPTIONS,
)
def tversky_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    alpha: float = 0.5,
    beta: float = 0.5,
    smooth: float = 1.0,
    soft_label: bool = False,
    ignore_class: int | Sequence[int] | None = None,
    class_weights: Sequence[float] | None = None,
    per_image: bool = True,
    include_background: bool = True,
    from_logits: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Tversky loss (Salehi et al. 2017): `1 - (tp + s) / (tp + alpha fp + beta fn + s)` per class.

    `alpha` weighs false positives and `beta` false negatives, as MONAI's `TverskyLoss` and as
    Keras documents; Keras's `keras.losses.Tversky` (3.x) computes the opposite (its `alpha`
    multiplies `sum(y_true * (1 - y_pred))`, the false negatives), so `Tversky(alpha=a, beta=b)`
    there equals `tversky_loss(alpha=b, beta=a, smooth=0)` here. `alpha = beta = 0.5` is Dice.

    Args:
        alpha: >= 0, the weight of the false positives (default 0.5).
        beta: >= 0, the weight of the false negatives (default 0.5); `alpha` and `beta` are not
            both 0.
        smooth: >= 0, added to numerator and denominator (default 1).

    Returns:
        float32 `(B,)` (`(B, T)` for sequences), in [0, 1] for `alpha, beta > 0`.
    """
    seg = _prepare(y_true, y_pred, from_logits, ignore_class, data_format, spatial_dims)
    per_class = 1.0 - _tversky_index(seg, per_image, alpha, beta, smooth, soft_label)
    return _finish(per_class, seg, per_image, class_weights, include_background)


@_checks.options(
    combined=_tversky_weights,
    alpha=_checks.non_negative(),
    beta=_checks.non_negative(),
    gamma=_checks.positive(),
    smooth=_checks.non_negative(),
    soft_label=_checks.flag,
    **_labels.LABEL_OPTIONS,
)
def focal_tversky_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    alpha: float = 0.3,
    beta: float = 0.7,
    gamma: float = 0.75,
    smooth: float = 1.0,
    soft_label: bool = False,
    ignore_class: int | Sequence[int] | None = None,
    class_weights: Sequence[float] | None = None,
    per_image: bool = True,
    include_background: bool = True,
    from_logits: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Focal Tversky loss (Abraham and Khan 2019): `(1 - TI_k) ** gamma` per class, averaged.

    `TI_k` is the Tversky index of `tversky_loss` (`alpha` on false positives, `beta` on false
    negatives). The paper writes the exponent as `1 / gamma` with `gamma = 4/3` and puts its
    `alpha = 0.7` on the false negatives: the defaults here (`gamma = 0.75`, `alpha = 0.3`,
    `beta = 0.7`) are that setting. For `gamma < 1` the gradient of `x ** gamma` is infinite at
    `x = 0` (a perfect prediction): there the loss is 0 with zero gradient.

    Args:
        alpha: >= 0, the weight of the false positives (default 0.3).
        beta: >= 0, the weight of the false negatives (default 0.7); not both 0.
        gamma: > 0, the exponent (default 0.75).
        smooth: >= 0, added to numerator and denominator (default 1).

    Returns:
        float32 `(B,)` (`(B, T)`), in [0, 1].
    """
    seg = _prepare(y_true, y_pred, from_logits, ignore_class, data_format, spatial_dims)
    miss = 1.0 - _tversky_index(seg, per_image, alpha, beta, smooth, soft_label)
    perfect = miss <= 0.0  # False for NaN, so a NaN input stays NaN
    # where twice: the unused branch sees 1, so the gradient of the power stays finite at 0
    per_class = ops.where(perfect, 0.0, ops.power(ops.where(perfect, 1.0, miss), gamma))
    return _finish(per_class, seg, per_image, class_weights, include_background)


@_checks.options(smooth=_checks.non_negative(), soft_label=_checks.flag, **_labels.LABEL_OPTIONS)
def generalized_dice_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    smooth: float = 1e-5,
    soft_label: bool = False,
    ignore_class: int | Sequence[int] | None = None,
    class_weights: Sequence[float] | None = None,
    per_image: bool = True,
    include_background: bool = True,
    from_logits: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Generalized Dice loss (Sudre et al. 2017), one value per image.

    `1 - (2 sum_k w_k tp_k + smooth) / (sum_k w_k (2 tp_k + fp_k + fn_k) + smooth)` with
    `w_k = 1 / (sum of labels of class k)^2`. Absent classes (no label in the image, or in the
    batch with `per_image=False`) would have an infinite weight: they take the largest weight of
    the present classes instead (MONAI's rule; 0 when no class is present, giving a loss of 0).
    `class_weights` multiply the `w_k`; excluded classes (background with
    `include_background=False`, ignored classes) get `w_k = 0`.

    Args:
        smooth: >= 0 (default 1e-5, MONAI's). The weights make the sums small (about 1 / pixel
            count), so a smoothing of 1 would dominate.

    Matches `monai.losses.GeneralizedDiceLoss(smooth_nr=s, smooth_dr=s)` (w_type "square").

    Returns:
        float32 `(B,)` (`(B, T)`), in [0, 1].
    """
    seg = _prepare(y_true, y_pred, from_logits, ignore_class, data_format, spatial_dims)
    k = seg.num_classes
    counted = list(seg.class_mask)
    if class_weights is not None:
        counted = [m * w for m, w in zip(counted, _labels.class_weight_vector(class_weights, k))]
    if not include_background and k > 1:
        counted[0] = 0.0
    counted = ops.convert_to_tensor(counted, "float32")
    c = _counts(seg, per_image, soft_label)
    volume = c.actual
    present = volume > 0.0
    inverse = ops.where(present, 1.0 / ops.square(ops.where(present, volume, 1.0)), 0.0)
    inverse = inverse * ops.cast(counted > 0, "float32")
    largest = max_over(inverse, axis=-1, keepdims=True, initial=0.0)  # initial: empty batches
    w = ops.where(present, inverse, largest) * counted
    numerator = 2.0 * ops.sum(w * c.tp, axis=-1) + smooth
    denominator = ops.sum(w * (c.predicted + c.actual), axis=-1) + smooth
    return _labels.per_sample(1.0 - _ratio(numerator, denominator), seg, per_image)


@register_loss
class DiceLoss(Loss, fn=dice_loss):
    """Soft Dice loss, per image and class (Milletari et al. 2016)."""


@register_loss
class GeneralizedDiceLoss(Loss, fn=generalized_dice_loss):
    """Generalized Dice loss with inverse squared class volumes as weights (Sudre et al. 2017)."""


@register_loss
class JaccardLoss(Loss, fn=jaccard_loss):
    """Soft Jaccard (IoU) loss, per image and class."""


@register_loss
class TverskyLoss(Loss, fn=tversky_loss):
    """Tversky loss: Dice with separate weights on false positives and negatives (Salehi et al. 2017)."""


@register_loss
class FocalTverskyLoss(Loss, fn=focal_tversky_loss):
    """Focal Tversky loss: the Tversky loss to a power (Abraham and Khan 2019)."""
