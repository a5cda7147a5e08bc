"""Boundary-weighted BCE + Dice: the widely shared recipe that stresses pixels near object edges.

Pixel weights come from a box average of the labels over a `pool_size` window (Keras's
`avg_pool(padding="same")`: the window average over the pixels inside the image):

    a = box_average(t)          w = 5 exp(-5 |a - 0.5|)          w <- w * n / sum(w)

so weights peak (5) on boundaries, where the local label mean is 1/2, and fall to about 0.41
inside flat regions; the rescaling keeps the total weight equal to the pixel count `n` of each
image (of the batch with `per_image=False`). The loss is

    sum(w * bce) / sum(w)  +  1 - (2 sum(w^2 t p) + smooth) / (sum(w^2 t) + sum(w^2 p) + smooth)

The squared weights in the Dice term are the recipe's. K = 1 uses the binary cross-entropy; K >= 2
the categorical one, each class's weight map taken separately and the largest kept, and a Dice
per class averaged as in `imagelosses.losses.overlap`. Void pixels count as label 0 in the box
average and are left out of both terms. Works for 2D and 3D (the box is a cube).
"""

from __future__ import annotations

from collections.abc import Sequence

from keras import ops

from imagelosses import _checks
from imagelosses._reduce import max_over, sum_over
from imagelosses._registry import register_loss
from imagelosses._types import Tensor
from imagelosses.filters import _conv
from imagelosses.losses import _labels
from imagelosses.losses.base import Loss

# The recipe's constants: peak weight and sharpness of w = 5 exp(-5 |a - 0.5|).
BOUNDARY_PEAK = 5.0
BOUNDARY_SHARPNESS = 5.0


def _box_average(x, axes, size: int):
    """Window mean over the in-image pixels: zero padding, divided by the in-image count."""
    taps = (1.0,) * size  # a box: the sum over the window, normalised below
    spec = {axis: taps for axis in axes}
    total = _conv.separable_correlate(x, spec, "constant")
    count = _conv.separable_correlate(ops.ones_like(x[..., :1]), spec, "constant")
    return total / count


def boundary_weights(seg, pool_size: int, per_image: bool):
    """`(..., 1)` rescaled pixel weights of the prepared labels (zero at void pixels)."""
    ns = seg.num_sample_axes
    axes = tuple(range(ns, ns + seg.layout.spatial_dims))
    _conv.check_size(seg.target, axes, pool_size // 2, "constant", name="y_true")
    average = _box_average(seg.target, axes, pool_size)
    weights = BOUNDARY_PEAK * ops.exp(-BOUNDARY_SHARPNESS * ops.abs(average - 0.5))
    weights = max_over(weights, axis=-1, keepdims=True, initial=0.0) * seg.valid
    axes = seg.pixel_axes(per_image)
    count = sum_over(seg.valid, axis=axes, keepdims=True)
    total = sum_over(weights, axis=axes, keepdims=True)
    return weights * count / ops.maximum(total, 1e-7)


@_checks.options(pool_size=_checks.odd_integer, smooth=_checks.non_negative(), **_labels.LABEL_OPTIONS)
def boundary_weighted_bce_dice_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    pool_size: int = 11,
    smooth: float = 1.0,
    ignore_class: int | Sequence[int] | None = None,
    class_weights: Sequence[float] | None = None,
    per_image: bool = True,
    include_background: bool = True,
    from_logits: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Boundary-weighted cross-entropy plus Dice loss; see the module docstring.

    Args:
        pool_size: odd side of the box window, centred on each pixel (11, the recipe's).
        smooth: Dice smoothing in numerator and denominator (1, the recipe's).
        class_weights: weights of the Dice class average (K >= 2).

    Returns:
        float32 `(B,)` (`(B, T)` for sequences), >= 0.
    """
    seg = _labels.prepare(
        y_true,
        y_pred,
        from_logits=from_logits,
        ignore_class=ignore_class,
        data_format=data_format,
        spatial_dims=spatial_dims,
    )
    w = boundary_weights(seg, pool_size, per_image)
    log_p, log_not_p = _labels.log_probabilities(seg)
    t, p = seg.target, seg.pred
    if seg.num_classes == 1:
        bce = -(t * log_p + (1.0 - t) * log_not_p)
    else:
        bce = -ops.sum(t * log_p, axis=-1, keepdims=True)
    axes = seg.pixel_axes(per_image)
    weighted = sum_over(w * bce, axis=axes)[..., 0] / ops.maximum(sum_over(w, axis=axes)[..., 0], 1e-7)
    w2 = ops.square(w)
    intersection = sum_over(w2 * t * p, axis=axes)
    denominator = sum_over(w2 * t, axis=axes) + sum_over(w2 * p, axis=axes)
    dice = (2.0 * intersection + smooth) / ops.maximum(denominator + smooth, 1e-7)
    dice_loss = _labels.class_average(
        1.0 - dice, seg, class_weights=class_weights, include_background=include_background
    )
    return _labels.per_sample(weighted + dice_loss, seg, per_image)


@register_loss
class BoundaryWeightedBCEDiceLoss(Loss, fn=boundary_weighted_bce_dice_loss):
    """Boundary-weighted cross-entropy plus Dice loss, per image."""
