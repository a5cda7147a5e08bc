"""Distance-map losses: boundary loss (Kervadec et al. 2019) and Hausdorff-distance loss (Karimi and
Salcudean 2019).

Both weigh each pixel's prediction by a distance map computed with
`imagelosses.filters.distance_transform` (exact, in `keras.ops`, under jit) from the labels, and
for the Hausdorff loss also from the detached prediction: the maps carry no gradient, the
prediction enters linearly (boundary loss) or squared (Hausdorff loss). Label options
(`ignore_class`, `from_logits`, `class_weights`, `per_image`, `data_format`, `spatial_dims`) are
those of the region losses (`imagelosses.losses.overlap`): per class, the mean over the counted
pixels, then the weighted class average, background excluded by default
(`include_background=False`, as in MONAI and the authors' code). Void pixels count as background
in the distance maps and drop out of the means. `spacing` gives the distances in physical units.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from keras import ops

from imagelosses import _checks
from imagelosses._reduce import sum_over
from imagelosses._registry import register_loss
from imagelosses._shapes import Layout
from imagelosses._types import Tensor
from imagelosses.filters.distance import check_spacing, distance_transform, spacing_option
from imagelosses.losses import _labels
from imagelosses.losses.base import Loss

_OPTIONS = {"spacing": spacing_option, **_labels.LABEL_OPTIONS}


def _prepare(y_true, y_pred, from_logits, ignore_class, data_format, spatial_dims, spacing):
    seg = _labels.prepare(
        y_true,
        y_pred,
        from_logits=from_logits,
        ignore_class=ignore_class,
        data_format=data_format,
        spatial_dims=spatial_dims,
    )
    layout = Layout(rank=seg.layout.rank, spatial_dims=seg.layout.spatial_dims, data_format="channels_last")
    return seg, layout, check_spacing(spacing, layout.spatial_dims)


def _edt(mask, layout, spacing):
    return distance_transform(
        mask, spacing=spacing, data_format="channels_last", spatial_dims=layout.spatial_dims
    )


def _has_both(mask, layout):
    """`(..., 1, ..., K)`: 1 where the image's mask has a foreground and a background pixel."""
    axes = layout.spatial_axes
    count = ops.sum(mask, axis=axes, keepdims=True)
    size = float(math.prod([mask.shape[a] for a in axes]))  # a list: dynamo cannot prod a generator
    return ops.logical_and(count > 0, count < size)


def _finish(term, seg, per_image, class_weights, include_background):
    """Mean of `term` (channels_last `(..., K)`) over the counted pixels, then the class average."""
    axes = seg.pixel_axes(per_image)
    valid = seg.valid
    total = sum_over(term * valid, axis=axes)
    count = sum_over(valid, axis=axes)
    per_class = total / ops.maximum(count, 1.0)
    value = _labels.class_average(
        per_class, seg, class_weights=class_weights, include_background=include_background
    )
    return _labels.per_sample(value, seg, per_image)


def signed_distance_map(target, layout, spacing):
    """Kervadec et al.'s signed distance of each pixel to the boundary of each class mask.

    `phi = edt(1 - g) * (1 - g) - (edt(g) - 1) * g` with `g = target > 0.5` (positive outside the
    class, `<= 0` inside, as in the authors' `one_hot2dist`), and 0 for a class absent from the
    image (the authors' rule) or covering all of it (no boundary: scipy's value there is an
    artefact). No gradient.
    """
    g = ops.cast(ops.stop_gradient(target) > 0.5, "float32")
    outside = _edt(1.0 - g, layout, spacing)
    inside = _edt(g, layout, spacing)
    phi = ops.where(g > 0, 1.0 - inside, outside)
    return ops.where(_has_both(g, layout), phi, 0.0)


@_checks.options(**_OPTIONS)
def boundary_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    spacing: float | Sequence[float] | None = None,
    ignore_class: int | Sequence[int] | None = None,
    class_weights: Sequence[float] | None = None,
    per_image: bool = True,
    include_background: bool = False,
    from_logits: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Boundary loss (Kervadec et al. 2019): the prediction weighted by a signed distance map.

    Per class k, `mean over pixels of p_k * phi_k` with `phi_k` the signed distance map of the
    ground truth (`signed_distance_map`: distance to the class boundary outside the class,
    `1 - distance` inside, 0 for an absent class), then the class average. It is minimal when
    the prediction covers exactly the class (inside, `phi <= 0`), can be negative, and gives no
    signal on a class that is absent: it is meant to be combined with a region loss, with a
    weight that grows over training (the authors start at 0.01 and add 0.01 per epoch). A
    compiled loss's weights are constants of the compiled step (on JAX a variable read inside
    the loss is too), so the portable schedule recompiles once per epoch, keeping the model's
    and the optimizer's state:

        for epoch in range(epochs):
            weight = min(0.01 * (epoch + 1), 1.0)
            model.compile(optimizer, loss=DiceLoss() + weight * BoundaryLoss())
            model.fit(x, y, initial_epoch=epoch, epochs=epoch + 1)

    Args:
        spacing: pixel size per spatial axis for the distances (default 1).

    Returns:
        float32 `(B,)` (`(B, T)` for sequences).

    References: Kervadec et al., "Boundary loss for highly unbalanced segmentation", MIDL 2019
    (the authors' `one_hot2dist` and `SurfaceLoss`, which averages over the pixels and classes).

    Example:
        >>> import numpy as np
        >>> truth = np.zeros((1, 8, 8), "int32"); truth[0, 2:6, 2:6] = 1
        >>> perfect = np.eye(2, dtype="float32")[truth]
        >>> float(np.asarray(boundary_loss(truth, perfect))[0])  # 4 inner pixels at 1 - 2, over 64
        -0.0625
    """
    seg, layout, spacing = _prepare(
        y_true, y_pred, from_logits, ignore_class, data_format, spatial_dims, spacing
    )
    phi = signed_distance_map(seg.target, layout, spacing)
    return _finish(seg.pred * phi, seg, per_image, class_weights, include_background)


def hausdorff_distance_field(mask, layout, spacing):
    """`edt(m > 0.5) + edt(m <= 0.5)` per image and class, 0 where `m` has only one side. No gradient."""
    fg = ops.cast(ops.stop_gradient(mask) > 0.5, "float32")
    field = _edt(fg, layout, spacing) + _edt(1.0 - fg, layout, spacing)
    return ops.where(_has_both(fg, layout), field, 0.0)


@_checks.options(alpha=_checks.non_negative(), log=_checks.flag, **_OPTIONS)
def hausdorff_dt_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    alpha: float = 2.0,
    log: bool = False,
    spacing: float | Sequence[float] | None = None,
    ignore_class: int | Sequence[int] | None = None,
    class_weights: Sequence[float] | None = None,
    per_image: bool = True,
    include_background: bool = False,
    from_logits: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Hausdorff-distance loss from distance transforms (Karimi and Salcudean 2019).

    Per class, `mean over pixels of (p - g)^2 * (dt(p)^alpha + dt(g)^alpha)` with
    `dt(m) = edt(m > 0.5) + edt(m <= 0.5)` (`hausdorff_distance_field`) on the detached
    prediction and on the labels, 0 for a mask that is all foreground or all background; then
    the class average. `log=True` returns `log(1 + value)` of each image's class average.

    Args:
        alpha: >= 0, the exponent of the distances (default 2, the paper's and MONAI's).
        log: False (default) or True: `log(1 + loss)` (MONAI's `LogHausdorffDTLoss`).
        spacing: pixel size per spatial axis for the distances (default 1, as MONAI).

    Returns:
        float32 `(B,)` (`(B, T)` for sequences), >= 0.

    Equal to `monai.losses.HausdorffDTLoss(include_background=False, reduction="none")`
    averaged over the classes of each image (and to its default mean reduction for one image
    per batch, or for the batch mean); MONAI's `LogHausdorffDTLoss` takes the log of the batch
    mean, so `log=True` equals it for one image per batch.

    References: Karimi and Salcudean, "Reducing the Hausdorff distance in medical image
    segmentation with convolutional neural networks", IEEE TMI 2019.
    """
    seg, layout, spacing = _prepare(
        y_true, y_pred, from_logits, ignore_class, data_format, spatial_dims, spacing
    )
    distance = ops.power(hausdorff_distance_field(seg.pred, layout, spacing), alpha) + ops.power(
        hausdorff_distance_field(seg.target, layout, spacing), alpha
    )
    value = _finish(
        ops.square(seg.pred - seg.target) * distance, seg, per_image, class_weights, include_background
    )
    return ops.log1p(value) if log else value


@register_loss
class BoundaryLoss(Loss, fn=boundary_loss):
    """Boundary loss (Kervadec et al. 2019), to combine with a region loss."""


@register_loss
class HausdorffDTLoss(Loss, fn=hausdorff_dt_loss):
    """Hausdorff-distance loss from distance transforms (Karimi and Salcudean 2019)."""
