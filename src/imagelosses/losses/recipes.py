"""The recipes nnU-Net and MONAI users name: TopK cross-entropy, Dice + CE, Dice + focal.

`dice_ce_loss` and `dice_focal_loss` are sums of the existing terms (`dice_loss` plus
`cross_entropy_loss` or `focal_loss`, each per image) with MONAI's defaults, so a preset is a
name and its defaults, not new maths; their classes save and load like every loss.
Inputs and label options as in `imagelosses.losses`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from keras import ops

from imagelosses import _checks
from imagelosses._reduce import sum_over
from imagelosses._registry import register_loss
from imagelosses._types import Tensor
from imagelosses.losses import _labels
from imagelosses.losses.base import Loss
from imagelosses.losses.focal import cross_entropy_loss, focal_loss, pixel_terms
from imagelosses.losses.overlap import dice_loss

_SMOOTHING = _checks.number(0.0, 1.0)

# Added before the floor of the kept pixel count (see top_k_cross_entropy_loss).
KEEP_EPSILON = 1e-3


@_checks.options(
    k=_checks.number(0.0, 100.0, exclusive_minimum=True), label_smoothing=_SMOOTHING, **_labels.LABEL_OPTIONS
)
def top_k_cross_entropy_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    k: float = 10.0,
    label_smoothing: float = 0.0,
    class_weights: Sequence[float] | None = None,
    ignore_class: int | Sequence[int] | None = None,
    per_image: bool = True,
    include_background: bool = True,
    from_logits: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """TopK cross-entropy (nnU-Net's TopK loss): the mean of the largest `k` percent of the
    pixel cross-entropies.

    Each pixel's term is that of `cross_entropy_loss` (class weights and label smoothing
    included). Of the `n` counted pixels of an image (void pixels never compete), the
    `max(floor(n k / 100), 1)` largest terms are averaged; an image with no counted pixel has
    the value 0. `per_image=False` ranks the pixels of the whole batch together, as nnU-Net does
    (which also counts void pixels, as zeros, among the candidates). `k=100` is the
    cross-entropy. The gradient reaches only the selected pixels.

    Args:
        k: the percentage of pixels kept, in (0, 100] (default 10, nnU-Net's `TopK10`).
        label_smoothing: in [0, 1] (default 0): as in `cross_entropy_loss`.
        class_weights: None or non-negative numbers, as in `cross_entropy_loss`.

    Returns:
        float32 `(B,)` (`(B, T)` for sequences), >= 0.
    """
    term, seg, _ = pixel_terms(
        y_true,
        y_pred,
        0.0,
        None,
        class_weights,
        False,
        None,
        ignore_class,
        include_background,
        from_logits,
        data_format,
        spatial_dims,
        label_smoothing,
    )
    valid = seg.valid[..., 0]
    samples = seg.num_sample_axes if per_image else 0
    pixels = term.shape[samples:]
    # the pixel count when static (an empty batch cannot infer -1), else inferred
    size = math.prod(pixels) if all(s is not None for s in pixels) else -1
    shape = [ops.shape(term)[i] for i in range(samples)] + [size]
    flat_valid = ops.reshape(valid, shape)
    # void pixels sort last: every counted term is >= 0
    flat = ops.reshape(ops.where(valid > 0, term, -1.0), shape)
    ranked = -ops.sort(-flat, axis=-1)  # descending
    counted = sum_over(flat_valid, axis=-1, keepdims=True)
    # floor(counted * k / 100) of an integer count; XLA may rewrite the product as
    # counted * (k / 100), which rounds 23 down to 22.999998: KEEP_EPSILON absorbs that rounding
    keep = ops.maximum(ops.floor(counted * (k / 100.0) + KEEP_EPSILON), 1.0)
    rank = ops.cumsum(ops.ones_like(ranked), axis=-1)  # 1, 2, ...
    chosen = ops.logical_and(rank <= keep, rank <= counted)
    total = sum_over(ops.where(chosen, ranked, 0.0), axis=-1)
    # a NaN term sorts anywhere; 0 * the sum of all terms carries it into the value
    value = total / keep[..., 0] + 0.0 * sum_over(ops.where(flat_valid > 0, flat, 0.0), axis=-1)
    return _labels.per_sample(value, seg, per_image)


_LAMBDA = _checks.non_negative()


@_checks.options(
    lambda_dice=_LAMBDA,
    lambda_ce=_LAMBDA,
    smooth=_checks.non_negative(),
    squared=_checks.flag,
    soft_label=_checks.flag,
    label_smoothing=_SMOOTHING,
    **_labels.LABEL_OPTIONS,
)
def dice_ce_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    lambda_dice: float = 1.0,
    lambda_ce: float = 1.0,
    smooth: float = 1e-5,
    squared: bool = False,
    soft_label: bool = False,
    label_smoothing: float = 0.0,
    class_weights: Sequence[float] | None = None,
    ignore_class: int | Sequence[int] | None = None,
    per_image: bool = True,
    include_background: bool = True,
    from_logits: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Dice + cross-entropy (MONAI's `DiceCELoss`, nnU-Net's default loss), per image.

    `lambda_dice * dice_loss(smooth, squared, soft_label, include_background) +
    lambda_ce * cross_entropy_loss(label_smoothing)`, both with the shared label options and
    `class_weights`. `include_background` applies to the Dice term only, as in MONAI (its
    cross-entropy always counts every class).

    Args:
        lambda_dice: >= 0, the weight of the Dice term (default 1).
        lambda_ce: >= 0, the weight of the cross-entropy term (default 1).
        smooth: >= 0, the Dice smoothing (default 1e-5, MONAI's `smooth_nr = smooth_dr`).
        squared: the Dice option (MONAI's `squared_pred`).
        soft_label: the Dice option (MONAI's `soft_label`).
        label_smoothing: in [0, 1], the cross-entropy option (MONAI's `label_smoothing`).

    Returns:
        float32 `(B,)` (`(B, T)` for sequences), >= 0.

    With `from_logits=True` the defaults equal `monai.losses.DiceCELoss(softmax=True)` for
    K >= 2 (`sigmoid=True` for K = 1, whose cross-entropy is MONAI's `BCEWithLogitsLoss`):
    MONAI's cross-entropy always reads its input as logits, so its probabilities-in counterpart
    is `from_logits=False` here with softmax outputs.
    """
    shared = dict(
        class_weights=class_weights,
        ignore_class=ignore_class,
        per_image=per_image,
        from_logits=from_logits,
        data_format=data_format,
        spatial_dims=spatial_dims,
    )
    dice = dice_loss(
        y_true,
        y_pred,
        smooth=smooth,
        squared=squared,
        soft_label=soft_label,
        include_background=include_background,
        **shared,
    )
    ce = cross_entropy_loss(y_true, y_pred, label_smoothing=label_smoothing, **shared)
    return lambda_dice * dice + lambda_ce * ce


@_checks.options(
    lambda_dice=_LAMBDA,
    lambda_focal=_LAMBDA,
    gamma=_checks.non_negative(),
    alpha=lambda name, value: None if value is None else _checks.real(name, value, minimum=0.0, maximum=1.0),
    smooth=_checks.non_negative(),
    squared=_checks.flag,
    soft_label=_checks.flag,
    **_labels.LABEL_OPTIONS,
)
def dice_focal_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    lambda_dice: float = 1.0,
    lambda_focal: float = 1.0,
    gamma: float = 2.0,
    alpha: float | None = None,
    smooth: float = 1e-5,
    squared: bool = False,
    soft_label: bool = False,
    class_weights: Sequence[float] | None = None,
    ignore_class: int | Sequence[int] | None = None,
    per_image: bool = True,
    include_background: bool = True,
    from_logits: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Dice + focal loss (MONAI's `DiceFocalLoss`), per image.

    `lambda_dice * dice_loss(smooth, squared, soft_label) + lambda_focal * focal_loss(gamma,
    alpha)`, both with the shared label options, `class_weights` and `include_background`.

    Args:
        lambda_dice: >= 0, the weight of the Dice term (default 1).
        lambda_focal: >= 0, the weight of the focal term (default 1).
        gamma: >= 0, the focal exponent (default 2).
        alpha: None or in [0, 1], the focal balancing of `focal_loss` (default None).
        smooth: >= 0, the Dice smoothing (default 1e-5, MONAI's).
        squared: the Dice option (MONAI's `squared_pred`).
        soft_label: the Dice option (MONAI's `soft_label`).

    Returns:
        float32 `(B,)` (`(B, T)` for sequences), >= 0.

    For K = 1 with `from_logits=True` the defaults equal `monai.losses.DiceFocalLoss(
    sigmoid=True)`. For K >= 2 the focal term here is the softmax focal loss (Lin et al.'s
    multi-class form); MONAI's `DiceFocalLoss` applies a sigmoid focal loss to every channel
    of its logits, averaged over the channels, even with `softmax=True`.
    """
    shared = dict(
        class_weights=class_weights,
        ignore_class=ignore_class,
        per_image=per_image,
        include_background=include_background,
        from_logits=from_logits,
        data_format=data_format,
        spatial_dims=spatial_dims,
    )
    dice = dice_loss(y_true, y_pred, smooth=smooth, squared=squared, soft_label=soft_label, **shared)
    focal = focal_loss(y_true, y_pred, gamma=gamma, alpha=alpha, **shared)
    return lambda_dice * dice + lambda_focal * focal


@register_loss
class TopKCrossEntropyLoss(Loss, fn=top_k_cross_entropy_loss):
    """The mean of the largest k percent of pixel cross-entropies per image (nnU-Net's TopK)."""


@register_loss
class DiceCELoss(Loss, fn=dice_ce_loss):
    """Dice + cross-entropy with MONAI's DiceCELoss defaults, per image."""


@register_loss
class DiceFocalLoss(Loss, fn=dice_focal_loss):
    """Dice + focal loss with MONAI's DiceFocalLoss defaults, per image."""
