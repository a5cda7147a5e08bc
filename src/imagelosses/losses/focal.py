"""Pixel losses: cross-entropy and focal loss, with class weights and per-pixel weight maps.

Inputs and label options as in `imagelosses.losses`. Each pixel's term is weighted, then

    loss = sum(valid * pixel_weight * term) / sum(valid)

over the pixels of each image (`per_image=True`, `(B,)`/`(B, T)`) or of the batch
(`per_image=False`: the batch value repeated, `(B,)`). This is Keras's convention (weights multiply
and the mean is over the counted pixels, as `ignore_class` does in
`keras.losses.SparseCategoricalCrossentropy`); `torch.nn.CrossEntropyLoss(weight=...)` divides by
the sum of the weights instead. An image whose pixels are all void has the value 0.

Weights per pixel come from `pixel_weights` (a tensor of the label map's shape, function only) or,
in the loss classes, from `weight_channel=True`: `y_true` then carries one extra channel, last on
the channel axis, holding the weight map (Keras passes a loss only `y_true` and `y_pred`).

Class weights: K >= 2 takes one weight per class; K = 1 (binary) takes two,
`[background, foreground]`. `include_background=False` gives class 0 the weight 0 (K >= 2).
"""

from __future__ import annotations

from collections.abc import Sequence

from keras import ops

from imagelosses import _checks
from imagelosses._reduce import mean_over, sum_over
from imagelosses._registry import register_loss
from imagelosses._shapes import resolve_layout, to_float
from imagelosses._types import Tensor
from imagelosses.losses import _labels
from imagelosses.losses.base import Loss


def _split_weights(y_true, y_pred, weight_channel, pixel_weights, data_format, spatial_dims):
    """Labels and a channels_last `(..., 1)` weight map (or None)."""
    if not weight_channel and pixel_weights is None:
        return y_true, None
    y_pred = to_float(y_pred, "y_pred")
    layout = resolve_layout(y_pred.shape, data_format=data_format, spatial_dims=spatial_dims, name="y_pred")
    axis = layout.channel_axis
    if weight_channel:
        y_true = to_float(y_true, "y_true")
        if len(y_true.shape) != layout.rank or (y_true.shape[axis] or 0) < 2:
            raise ValueError(
                "With `weight_channel=True`, `y_true` must have the rank of `y_pred` and the labels "
                "plus one last channel of pixel weights. "
                f"Received: y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}"
            )
        n = y_true.shape[axis]
        weights = ops.take(y_true, [n - 1], axis=axis)
        y_true = ops.take(y_true, list(range(n - 1)), axis=axis)
    if pixel_weights is not None:
        pixel_map = pixel_weight_map(pixel_weights, layout)
        weights = pixel_map if not weight_channel else weights * pixel_map
    if layout.data_format == "channels_first":
        weights = ops.moveaxis(weights, axis, -1)
    return y_true, weights


def pixel_weight_map(pixel_weights, layout):
    """A per-pixel weight map `(B, *spatial)` or `(B, *spatial, 1)` as `(..., 1)` in `layout`."""
    weights = to_float(pixel_weights, "pixel_weights")
    if len(weights.shape) == layout.rank - 1:
        weights = ops.expand_dims(weights, layout.channel_axis)
    if len(weights.shape) != layout.rank:
        raise ValueError(
            "Invalid shape for `pixel_weights` (a per-pixel `sample_weight`). Expected the label "
            f"map's shape, (B, *spatial) or (B, *spatial, 1). Received: shape={tuple(weights.shape)}"
        )
    return weights


def _class_weight_vector(seg, class_weights, include_background, alpha_factors=None):
    """`(K,)` float32 per-class weights (2 for K = 1), computed in Python floats: constants to
    every tracer (torch.compile traces numpy values as tensors)."""
    k = seg.num_classes
    n = 2 if k == 1 else k
    weights = [1.0] * n if class_weights is None else list(_labels.check_class_weights(class_weights, n))
    if k > 1:
        weights = [w * m for w, m in zip(weights, seg.class_mask)]
        if not include_background:
            weights[0] = 0.0
    if alpha_factors is not None:
        weights = [w * a for w, a in zip(weights, alpha_factors)]
    return ops.convert_to_tensor(weights, "float32")


def _reduce(term, seg, weights, per_image):
    if weights is not None:
        term = term * weights[..., 0]
    axes = seg.pixel_axes(per_image)
    if not seg.masked:  # every pixel counts
        return _labels.per_sample(mean_over(term, axis=axes), seg, per_image)
    valid = seg.valid[..., 0]
    total = sum_over(term * valid, axis=axes)
    count = sum_over(valid, axis=axes)
    return _labels.per_sample(total / ops.maximum(count, 1.0), seg, per_image)


def _focal_factor(base, gamma):
    """`base ** gamma`, with a finite gradient at `base = 0` for any `gamma >= 0`."""
    if gamma == 0.0:
        return ops.ones_like(base)
    if gamma == 2.0:
        return ops.square(base)
    positive = base > 0.0
    return ops.where(positive, ops.power(ops.where(positive, base, 1.0), gamma), 0.0)


def smoothed_target(seg, label_smoothing):
    """Keras's label smoothing: `t (1 - s) + s / K` (K >= 2), `t (1 - s) + s / 2` (K = 1)."""
    if not label_smoothing:
        return seg.target
    share = 0.5 if seg.num_classes == 1 else 1.0 / seg.num_classes
    return seg.target * (1.0 - label_smoothing) + label_smoothing * share


def _pixel_loss(
    y_true,
    y_pred,
    gamma,
    alpha,
    class_weights,
    weight_channel,
    pixel_weights,
    ignore_class,
    per_image,
    include_background,
    from_logits,
    data_format,
    spatial_dims,
    label_smoothing=0.0,
):
    term, seg, weights = pixel_terms(
        y_true,
        y_pred,
        gamma,
        alpha,
        class_weights,
        weight_channel,
        pixel_weights,
        ignore_class,
        include_background,
        from_logits,
        data_format,
        spatial_dims,
        label_smoothing,
    )
    return _reduce(term, seg, weights, per_image)


def pixel_terms(
    y_true,
    y_pred,
    gamma,
    alpha,
    class_weights,
    weight_channel,
    pixel_weights,
    ignore_class,
    include_background,
    from_logits,
    data_format,
    spatial_dims,
    label_smoothing=0.0,
):
    """Each pixel's focal (or, `gamma=0`, cross-entropy) term `(B, [T,] *spatial)`, the prepared
    inputs and the channels_last weight map (or None)."""
    y_true, weights = _split_weights(y_true, y_pred, weight_channel, pixel_weights, data_format, spatial_dims)
    seg = _labels.prepare(
        y_true,
        y_pred,
        from_logits=from_logits,
        ignore_class=ignore_class,
        data_format=data_format,
        spatial_dims=spatial_dims,
    )
    t, p = smoothed_target(seg, label_smoothing), seg.pred
    if seg.num_classes == 1:
        log_p, log_not_p = _labels.log_probabilities(seg)
        factors = None if alpha is None else [1.0 - alpha, alpha]
        w = _class_weight_vector(seg, class_weights, include_background, factors)
        term = -(
            w[1] * t * _focal_factor(1.0 - p, gamma) * log_p
            + w[0] * (1.0 - t) * _focal_factor(p, gamma) * log_not_p
        )
        term = term[..., 0]
    else:
        factors = None if alpha is None else [1.0 - alpha] + [alpha] * (seg.num_classes - 1)
        w = _class_weight_vector(seg, class_weights, include_background, factors)
        log_p = _labels.log_probability(seg)
        term = -ops.sum(w * t * _focal_factor(1.0 - p, gamma) * log_p, axis=-1)
    return term, seg, weights


_PIXEL_OPTIONS = dict(
    function_only=("pixel_weights",),
    weight_channel=_checks.flag,
    label_smoothing=_checks.number(0.0, 1.0),
    **_labels.LABEL_OPTIONS,
)


@_checks.options(**_PIXEL_OPTIONS)
def cross_entropy_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    label_smoothing: float = 0.0,
    class_weights: Sequence[float] | None = None,
    weight_channel: bool = False,
    pixel_weights: Tensor | None = None,
    ignore_class: int | Sequence[int] | None = None,
    per_image: bool = True,
    include_background: bool = True,
    from_logits: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Binary (K = 1) or categorical (K >= 2) cross-entropy, mean over the counted pixels.

    K >= 2: `-sum_k w_k t_k log p_k` per pixel, from integer or one-hot/soft labels;
    K = 1: `-(w_1 t log p + w_0 (1 - t) log(1 - p))`. Logits go through `log_softmax` /
    `log_sigmoid`; probabilities are clipped at `PROBABILITY_EPSILON` (1e-7, as Keras).

    Without weights, equals `keras.losses.SparseCategoricalCrossentropy` /
    `CategoricalCrossentropy` / `BinaryCrossentropy` averaged over each image's pixels.

    Args:
        label_smoothing: in [0, 1] (default 0), Keras's definition: the targets become
            `t (1 - s) + s / K` (K >= 2) or `t (1 - s) + s / 2` (K = 1), as in
            `keras.losses.CategoricalCrossentropy` / `BinaryCrossentropy` (and torch's
            `CrossEntropyLoss(label_smoothing=s)` for K >= 2). Void pixels stay void.
        class_weights: None or non-negative numbers: one per class for K >= 2, two
            (`[background, foreground]`) for K = 1. Each pixel's term is multiplied by the weight
            of its class.
        weight_channel: False (default) or True: `y_true` carries one extra last channel holding
            a per-pixel weight map (how a loss class gets a weight map through Keras).
        pixel_weights: None or a tensor of the label map's shape `(B, *spatial)` or
            `(B, *spatial, 1)` multiplying each pixel's term (function only; a loss class takes
            the same map as a per-pixel `sample_weight`).

    Returns:
        float32 `(B,)` (`(B, T)` for sequences), >= 0.
    """
    return _pixel_loss(
        y_true,
        y_pred,
        0.0,
        None,
        class_weights,
        weight_channel,
        pixel_weights,
        ignore_class,
        per_image,
        include_background,
        from_logits,
        data_format,
        spatial_dims,
        label_smoothing,
    )


def _focal_alpha(name, value):
    return None if value is None else _checks.real(name, value, minimum=0.0, maximum=1.0)


@_checks.options(gamma=_checks.non_negative(), alpha=_focal_alpha, **_PIXEL_OPTIONS)
def focal_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    gamma: float = 2.0,
    alpha: float | None = None,
    label_smoothing: float = 0.0,
    class_weights: Sequence[float] | None = None,
    weight_channel: bool = False,
    pixel_weights: Tensor | None = None,
    ignore_class: int | Sequence[int] | None = None,
    per_image: bool = True,
    include_background: bool = True,
    from_logits: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Focal loss (Lin et al. 2017), mean over the counted pixels.

    K >= 2: `-sum_k a_k w_k t_k (1 - p_k)^gamma log p_k` per pixel (softmax);
    K = 1: `-(a t (1 - p)^gamma log p + (1 - a)(1 - t) p^gamma log(1 - p))` (sigmoid).

    Args:
        gamma: focusing exponent >= 0 (2, the paper's); 0 gives the cross-entropy.
        alpha: None (no balancing, the default of MONAI and of Keras's binary focal loss) or a
            number in [0, 1]: K = 1, `alpha` on the foreground and `1 - alpha` on the background
            (the paper's alpha-balancing, 0.25 there; Keras's `apply_class_balancing=True`);
            K >= 2, `1 - alpha` on class 0 and `alpha` on the others (MONAI's softmax rule).
            Keras's `CategoricalFocalCrossentropy` multiplies every class by `alpha` instead
            (a plain scale).
        label_smoothing: in [0, 1] (default 0): the targets become `t (1 - s) + s / K`
            (K >= 2) or `t (1 - s) + s / 2` (K = 1), Keras's definition. The focal factors
            keep their form: `(1 - p_k)^gamma` on each class's term for K >= 2 (exactly
            `keras.losses.CategoricalFocalCrossentropy(label_smoothing=s)` with `alpha=1`), and
            for K = 1 `(1 - p)^gamma` on the smoothed foreground term and `p^gamma` on the
            smoothed background term: `p_t` is not recomputed from the smoothed labels, where
            Keras's `BinaryFocalCrossentropy` takes `p_t = t' p + (1 - t')(1 - p)` from them.
        class_weights: None or non-negative numbers: one per class for K >= 2, two
            (`[background, foreground]`) for K = 1. Each pixel's term is multiplied by the weight
            of its class.
        weight_channel: False (default) or True: `y_true` carries one extra last channel holding
            a per-pixel weight map (how a loss class gets a weight map through Keras).
        pixel_weights: None or a tensor of the label map's shape `(B, *spatial)` or
            `(B, *spatial, 1)` multiplying each pixel's term (function only; a loss class takes
            the same map as a per-pixel `sample_weight`).

    The paper normalises the sum by the number of foreground anchors; a dense prediction is
    averaged over its pixels here, as Keras and MONAI do. MONAI's softmax focal loss with
    `reduction="mean"` also divides by the number of channels: its value is ours divided by K.
    For hard labels the binary form equals Keras's `BinaryFocalCrossentropy` and MONAI's
    sigmoid focal loss; with soft labels Keras applies `(1 - p_t)^gamma` to the whole BCE.

    Returns:
        float32 `(B,)` (`(B, T)` for sequences), >= 0.
    """
    return _pixel_loss(
        y_true,
        y_pred,
        gamma,
        alpha,
        class_weights,
        weight_channel,
        pixel_weights,
        ignore_class,
        per_image,
        include_background,
        from_logits,
        data_format,
        spatial_dims,
        label_smoothing,
    )


@register_loss
class CrossEntropyLoss(Loss, fn=cross_entropy_loss):
    """Binary or categorical cross-entropy per image; per-pixel weights via `weight_channel=True`."""


@register_loss
class FocalLoss(Loss, fn=focal_loss):
    """Focal loss per image (Lin et al. 2017); per-pixel weights via `weight_channel=True`."""
