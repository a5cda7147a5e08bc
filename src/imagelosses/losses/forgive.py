"""Forgive the misses of some classes while still punishing their false positives.

At pixels whose true class is in `classes`, the prediction is replaced by the truth before the
wrapped loss sees it, with one `where` (no scatter, no variable, no numpy):

- probabilities: the one-hot (or soft) label; for K = 1 the binary label itself;
- logits: `+FORGIVEN_LOGIT` on the true class and `-FORGIVEN_LOGIT` elsewhere, whose softmax or
  sigmoid is the one-hot label to float32 precision.

A miss of a forgiven class (true class c, predicted another) then costs nothing: neither the value
nor the gradient depends on the prediction there. Predicting c at a pixel of another class is a
false positive of c and still costs what the wrapped loss says. With one-hot/soft labels a pixel
is forgiven where its label weight on `classes` is >= 0.5. K = 1: the classes are 0 (background)
and 1 (foreground).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras
from keras import ops

from imagelosses import _checks
from imagelosses._registry import register_loss
from imagelosses._types import Tensor
from imagelosses.losses import _labels
from imagelosses.losses.base import Loss, per_sample_values

# Logit standing for certainty: softmax/sigmoid of +-100 is exactly one-hot in float32.
FORGIVEN_LOGIT = 100.0


def _check_classes(classes) -> tuple[int, ...]:
    """A class index >= 0 or a non-empty list of them."""
    values = list(classes) if isinstance(classes, (list, tuple)) else [classes]
    if not values:
        raise ValueError(
            "Invalid value for argument `classes`. Expected a non-empty list of class indices "
            f">= 0. Received: classes={classes!r}"
        )
    return tuple(_checks.integer("classes", v, minimum=0) for v in values)


def forgiven_predictions(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    classes: Sequence[int] = (0,),
    from_logits: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """`y_pred` (same shape and layout) with the truth at pixels whose true class is forgiven."""
    classes = _check_classes(classes)
    _labels.check_bool("from_logits", from_logits)
    y_true, y_pred, layout, k, integer = _labels.resolve(
        y_true, y_pred, data_format=data_format, spatial_dims=spatial_dims
    )
    axis = layout.channel_axis
    n = max(k, 2)
    if max(classes) >= n:
        raise ValueError(
            f"Invalid value for argument `classes`. Expected class indices in [0, {n}) for "
            f"`y_pred` with {k} channel{'s' if k > 1 else ''}. Received: classes={list(classes)!r}"
        )
    chosen = [1.0 if c in classes else 0.0 for c in range(n)]
    if integer or k == 1:
        hit = None
        for c in classes:
            h = ops.cast(ops.equal(y_true, float(c)), "float32")
            hit = h if hit is None else hit + h
        forgiven = hit > 0
        if k == 1:
            truth = y_true
        else:
            shape = [1] * layout.rank
            shape[axis] = k
            index = ops.reshape(ops.arange(k, dtype="float32"), shape)
            truth = ops.cast(ops.equal(y_true, index), "float32")
    else:
        shape = [1] * layout.rank
        shape[axis] = k
        weight = ops.sum(
            y_true * ops.reshape(ops.convert_to_tensor(chosen[:k]), shape), axis=axis, keepdims=True
        )
        forgiven = weight >= 0.5
        truth = y_true
    if from_logits:
        truth = FORGIVEN_LOGIT * (2.0 * truth - 1.0)
    return ops.where(forgiven, truth, y_pred)


def forgive_false_negatives(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    loss: Callable,
    classes: Sequence[int] = (0,),
    from_logits: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """`loss(y_true, forgiven_predictions(y_true, y_pred, ...))`: misses of `classes` forgiven.

    Returns:
        What `loss` returns per sample, float32 `(B,)` (`(B, T)` for sequences).
    """
    y_pred = forgiven_predictions(
        y_true,
        y_pred,
        classes=classes,
        from_logits=from_logits,
        data_format=data_format,
        spatial_dims=spatial_dims,
    )
    return per_sample_values(loss, y_true, y_pred)


def _inner_option(loss, name, value, default):
    if value is not None:
        return value
    return getattr(loss, "options", {}).get(name, default)


@register_loss
class ForgiveFalseNegatives(Loss):
    """Wraps a segmentation loss so that misses of `classes` cost nothing.

    Args:
        loss: the wrapped loss object (any imagelosses segmentation loss, or a Keras loss).
        classes: class indices whose false negatives are forgiven (default `(0,)`).
        from_logits, data_format, spatial_dims: default None, meaning the wrapped loss's own
            option (False, Keras's image data format and the rank's default for other losses).

    Serialises the wrapped loss with `keras.losses.serialize`, so `model.save` round-trips it.
    """

    def __init__(
        self,
        loss: Callable,
        classes: Sequence[int] = (0,),
        from_logits: bool | None = None,
        data_format: str | None = None,
        spatial_dims: int | None = None,
        name: str | None = "forgive_false_negatives",
        reduction: str | None = "sum_over_batch_size",
        dtype: str | None = None,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if isinstance(loss, (str, dict)):
            loss = keras.losses.get(loss)
        if not callable(loss):
            raise TypeError(
                f"Invalid value for argument `loss`. Expected a Keras loss object. Received: loss={loss!r}"
            )
        self.loss = loss
        self.classes = list(_check_classes(classes))
        self.from_logits, self.data_format, self.spatial_dims = from_logits, data_format, spatial_dims

    def call(self, y_true, y_pred):
        return forgive_false_negatives(
            y_true,
            y_pred,
            loss=self.loss,
            classes=self.classes,
            from_logits=_inner_option(self.loss, "from_logits", self.from_logits, False),
            data_format=_inner_option(self.loss, "data_format", self.data_format, None),
            spatial_dims=_inner_option(self.loss, "spatial_dims", self.spatial_dims, None),
        )

    def get_config(self):
        return {
            "name": self.name,
            "reduction": self.reduction,
            "loss": keras.losses.serialize(self.loss),
            "classes": list(self.classes),
            "from_logits": self.from_logits,
            "data_format": self.data_format,
            "spatial_dims": self.spatial_dims,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["loss"] = keras.losses.deserialize(config["loss"])
        return cls(**config)
