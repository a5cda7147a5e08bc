"""Segmentation metrics from exact counts: `IoU`, `Dice` and `ThresholdedMeanIoU`.

Each metric accumulates integer pixel counts across `update_state` calls (never a mean of batch
means) and computes its ratios from the totals. Counters are int32 pairs `high * 2**20 + low`
(the carry moves after every update), exact up to 2**51 pixels on every backend (JAX has no
int64 without `jax_enable_x64`; a float32 counter stops counting at 2**24). One batch may hold up
to 2**31 - 2**20 pixels.

Labels and predictions follow the segmentation losses (`imagelosses.losses`): integer maps or one-hot labels,
probabilities or logits (the predicted class is the argmax over the channels; K = 1 is binary,
foreground where the probability is >= `threshold`, a probability in [0, 1]: one rule for
`IoU`, `Dice` and `ThresholdedMeanIoU`, Keras's `BinaryIoU` rule), `ignore_class`, both data formats.
`sample_weight` acts as a mask: pixels or images of weight 0 are left out, the others count once
(so the counts stay integers).

Absent classes, one policy for every metric: a class with no pixel in the labels and none in the
predictions over everything accumulated has no score; it is NaN in per-class results and left out
of every mean; a mean over no class is NaN. (Keras's `MeanIoU` also leaves such classes out of
its mean, but returns 0 when none is left.)
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

from imagelosses import _checks
from imagelosses._registry import register_metric
from imagelosses._shapes import check_choice, check_number, resolve_data_format, to_float
from imagelosses.losses import _labels

RADIX = 2**20
AVERAGES = (None, "mean")


class _ExactCounter:
    """An int32 pair of metric variables holding `high * RADIX + low` for a vector of counts."""

    def __init__(self, metric, name: str, size: int):
        self.high = metric.add_variable(
            shape=(size,), initializer="zeros", dtype="int32", name=f"{name}_high"
        )
        self.low = metric.add_variable(shape=(size,), initializer="zeros", dtype="int32", name=f"{name}_low")

    def add(self, counts):
        low = self.low + ops.cast(counts, "int32")
        carry = ops.floor_divide(low, RADIX)
        self.low.assign(low - carry * RADIX)
        self.high.assign(self.high + carry)

    def value(self):
        """float32 totals (exact integers up to 2**24, then rounded to float32)."""
        return ops.cast(self.high, "float32") * float(RADIX) + ops.cast(self.low, "float32")

    def exact(self) -> np.ndarray:
        """The exact totals as int64 numpy (host read)."""
        high = np.asarray(ops.convert_to_numpy(self.high), np.int64)
        return high * RADIX + np.asarray(ops.convert_to_numpy(self.low), np.int64)


def _nan_mean(values):
    """Mean over the entries that are not NaN; NaN when none is."""
    finite = ops.logical_not(ops.isnan(values))
    total = ops.sum(ops.where(finite, values, 0.0), axis=-1)
    count = ops.sum(ops.cast(finite, "float32"), axis=-1)
    return ops.where(count > 0, total / ops.maximum(count, 1.0), float("nan"))


def _mask(sample_weight, valid):
    """`valid` (channels_last `(..., 1)`) times `sample_weight != 0` broadcast over pixels."""
    if sample_weight is None:
        return valid
    w = ops.cast(ops.not_equal(to_float(sample_weight, "sample_weight"), 0.0), "float32")
    while len(w.shape) < len(valid.shape):
        w = ops.expand_dims(w, -1)
    return valid * w


def _check_classes(num_classes) -> int:
    """An integer >= 2 (2 for binary predictions with one channel)."""
    return _checks.integer("num_classes", num_classes, minimum=2)


class _ClassCounts(keras.metrics.Metric):
    """Per-class TP, predicted and true pixel counts; subclasses define the ratio."""

    def __init__(
        self,
        num_classes,
        *,
        average=None,
        threshold=0.5,
        ignore_class=None,
        from_logits=False,
        data_format=None,
        spatial_dims=None,
        name=None,
        dtype=None,
    ):
        super().__init__(name=name, dtype=dtype)
        self.num_classes = _check_classes(num_classes)
        check_choice("average", average, AVERAGES)
        self.average = average
        self.threshold = check_number("threshold", threshold, minimum=0.0)
        if self.threshold > 1.0:  # the one rule of every metric here: a probability, p >= it
            raise ValueError(
                "Invalid value for argument `threshold`. Expected a probability in [0, 1] "
                f"(foreground where p >= threshold). Received: threshold={threshold!r}"
            )
        _labels.check_ignore_class(ignore_class)
        self.ignore_class = list(ignore_class) if isinstance(ignore_class, (list, tuple)) else ignore_class
        self.from_logits = _labels.check_bool("from_logits", from_logits)
        # resolved now, so a saved metric keeps its layout whatever the loading session's setting
        self.data_format = resolve_data_format(data_format)
        self.spatial_dims = _checks.spatial_dims("spatial_dims", spatial_dims)
        self.tp = _ExactCounter(self, "true_positives", self.num_classes)
        self.predicted = _ExactCounter(self, "predicted", self.num_classes)
        self.actual = _ExactCounter(self, "actual", self.num_classes)

    def _hard(self, y_true, y_pred):
        """One-hot predicted classes and one-hot labels, `(N..., C)` float32, masked."""
        seg = _labels.prepare(
            y_true,
            y_pred,
            from_logits=self.from_logits,
            ignore_class=self.ignore_class,
            data_format=self.data_format,
            spatial_dims=self.spatial_dims,
            for_loss=False,
        )
        k = seg.num_classes
        if k not in (self.num_classes, 1) or (k == 1 and self.num_classes != 2):
            raise ValueError(
                f"`y_pred` has {k} channels but the metric counts {self.num_classes} classes. "
                "Expected num_classes channels, or 1 channel with num_classes=2 (binary). "
                f"Received: y_pred.shape={tuple(ops.shape(y_pred))}"
            )
        classes = ops.convert_to_tensor(np.arange(self.num_classes, dtype=np.float32))
        if k == 1:
            predicted = ops.cast(seg.pred >= self.threshold, "float32")
            labels = ops.cast(seg.target >= 0.5, "float32")
        else:
            predicted = ops.cast(ops.expand_dims(ops.argmax(seg.pred, axis=-1), -1), "float32")
            labels = ops.cast(ops.expand_dims(ops.argmax(seg.target, axis=-1), -1), "float32")
            # a pixel with an all-zero label row (out of range under jit) belongs to no class
            labels = ops.where(ops.sum(seg.target, axis=-1, keepdims=True) > 0, labels, -1.0)
        return (
            ops.cast(ops.equal(predicted, classes), "float32"),
            ops.cast(ops.equal(labels, classes), "float32"),
            seg.valid,
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        predicted, actual, valid = self._hard(y_true, y_pred)
        valid = _mask(sample_weight, valid)
        axes = tuple(range(len(valid.shape) - 1))
        predicted, actual = ops.cast(predicted * valid, "int32"), ops.cast(actual * valid, "int32")
        self.tp.add(ops.sum(predicted * actual, axis=axes))
        self.predicted.add(ops.sum(predicted, axis=axes))
        self.actual.add(ops.sum(actual, axis=axes))

    # The score w tp / (w tp + fp + fn): 1 for IoU, 2 for Dice.
    TP_WEIGHT = 1.0

    def per_class(self):
        """The score of each class `(C,)`; NaN for a class absent from labels and predictions."""
        tp, predicted, actual = self.tp.value(), self.predicted.value(), self.actual.value()
        denominator = predicted + actual - (2.0 - self.TP_WEIGHT) * tp  # w tp + fp + fn
        return ops.where(denominator > 0, self.TP_WEIGHT * tp / ops.maximum(denominator, 1.0), float("nan"))

    def result(self):
        values = self.per_class()
        return values if self.average is None else _nan_mean(values)

    def counts(self) -> dict:
        """Exact int64 totals per class: `tp`, `fp`, `fn` (numpy, read on the host)."""
        tp, predicted, actual = self.tp.exact(), self.predicted.exact(), self.actual.exact()
        return {"tp": tp, "fp": predicted - tp, "fn": actual - tp}

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "average": self.average,
            "threshold": self.threshold,
            "ignore_class": self.ignore_class,
            "from_logits": self.from_logits,
            "data_format": self.data_format,
            "spatial_dims": self.spatial_dims,
        }


@register_metric
class IoU(_ClassCounts):
    """Intersection over union per class, `tp / (tp + fp + fn)`, from counts over all batches.

    Args:
        num_classes: C >= 2 (2 with a one-channel, binary `y_pred`).
        average: None (default, Keras's `F1Score` convention): `result()` is the per-class vector
            `(C,)`; "mean": the mean over the classes that have a score (the mean IoU).
        threshold: foreground probability threshold for one-channel predictions, in [0, 1]:
            foreground where `p >= threshold` (the rule of `keras.metrics.BinaryIoU`).
        ignore_class, from_logits, data_format, spatial_dims: as in the losses.

    With every class present, the mean equals `keras.metrics.MeanIoU` and
    `tf.compat.v1.metrics.mean_iou`. `counts()` returns the exact totals.
    """

    def __init__(
        self,
        num_classes: int,
        average: str | None = None,
        threshold: float = 0.5,
        ignore_class: int | Sequence[int] | None = None,
        from_logits: bool = False,
        data_format: str | None = None,
        spatial_dims: int | None = None,
        name: str | None = "iou",
        dtype: str | None = None,
    ) -> None:
        super().__init__(
            num_classes,
            average=average,
            threshold=threshold,
            ignore_class=ignore_class,
            from_logits=from_logits,
            data_format=data_format,
            spatial_dims=spatial_dims,
            name=name,
            dtype=dtype,
        )


@register_metric
class Dice(_ClassCounts):
    """Dice (F1) per class, `2 tp / (2 tp + fp + fn)`, from counts over all batches.

    Arguments and absent-class policy as in `IoU`; `average="mean"` is the mean Dice.
    """

    TP_WEIGHT = 2.0

    def __init__(
        self,
        num_classes: int,
        average: str | None = None,
        threshold: float = 0.5,
        ignore_class: int | Sequence[int] | None = None,
        from_logits: bool = False,
        data_format: str | None = None,
        spatial_dims: int | None = None,
        name: str | None = "dice",
        dtype: str | None = None,
    ) -> None:
        super().__init__(
            num_classes,
            average=average,
            threshold=threshold,
            ignore_class=ignore_class,
            from_logits=from_logits,
            data_format=data_format,
            spatial_dims=spatial_dims,
            name=name,
            dtype=dtype,
        )


DEFAULT_THRESHOLDS = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))


@register_metric
class ThresholdedMeanIoU(keras.metrics.Metric):
    """Binary mean IoU (background and foreground) at each threshold, averaged over thresholds.

    At threshold `s`, a pixel is foreground where its probability is `>= s` (the rule of `IoU`,
    `Dice` and `keras.metrics.BinaryIoU`; the recipe's `y_pred > t` differs only at ties); the IoU
    of the foreground and of the background are computed from the counts
    accumulated over all batches, averaged over the classes that have a score
    (`tf.compat.v1.metrics.mean_iou(..., num_classes=2)`), then over the thresholds (NaN
    thresholds, where nothing was counted, left out).

    Args:
        thresholds: probabilities in [0, 1] (default 0.5, 0.55, ..., 0.95).
        ignore_class, from_logits, data_format, spatial_dims: as in `IoU`. `y_pred` has one
            channel: the foreground probability (or logit).
    """

    def __init__(
        self,
        thresholds: float | Sequence[float] = DEFAULT_THRESHOLDS,
        ignore_class: int | Sequence[int] | None = None,
        from_logits: bool = False,
        data_format: str | None = None,
        spatial_dims: int | None = None,
        name: str | None = "thresholded_mean_iou",
        dtype: str | None = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        if isinstance(thresholds, numbers.Real):
            thresholds = [thresholds]
        values = [check_number("thresholds", t, minimum=0.0) for t in thresholds]
        if not values or max(values) > 1.0:
            raise ValueError(
                "Invalid value for argument `thresholds`. Expected probabilities in [0, 1]. "
                f"Received: thresholds={thresholds!r}"
            )
        self.thresholds = values
        _labels.check_ignore_class(ignore_class)
        self.ignore_class = list(ignore_class) if isinstance(ignore_class, (list, tuple)) else ignore_class
        self.from_logits = _labels.check_bool("from_logits", from_logits)
        # resolved now, so a saved metric keeps its layout whatever the loading session's setting
        self.data_format = resolve_data_format(data_format)
        self.spatial_dims = _checks.spatial_dims("spatial_dims", spatial_dims)
        n = len(values)
        self.tp = _ExactCounter(self, "true_positives", n)
        self.predicted = _ExactCounter(self, "predicted", n)
        self.actual = _ExactCounter(self, "actual", 1)
        self.total = _ExactCounter(self, "total", 1)

    def update_state(self, y_true, y_pred, sample_weight=None):
        seg = _labels.prepare(
            y_true,
            y_pred,
            from_logits=self.from_logits,
            ignore_class=self.ignore_class,
            data_format=self.data_format,
            spatial_dims=self.spatial_dims,
            for_loss=False,
        )
        if seg.num_classes != 1:
            raise ValueError(
                "`ThresholdedMeanIoU` takes one channel of foreground probabilities. "
                f"Received: y_pred.shape={tuple(ops.shape(y_pred))}"
            )
        valid = _mask(sample_weight, seg.valid)
        thresholds = ops.convert_to_tensor(np.asarray(self.thresholds, np.float32))
        predicted = ops.cast(ops.cast(seg.pred >= thresholds, "float32") * valid, "int32")
        actual = ops.cast(ops.cast(seg.target >= 0.5, "float32") * valid, "int32")
        axes = tuple(range(len(valid.shape) - 1))
        self.tp.add(ops.sum(predicted * actual, axis=axes))
        self.predicted.add(ops.sum(predicted, axis=axes))
        self.actual.add(ops.sum(actual, axis=axes))
        self.total.add(ops.sum(ops.cast(valid, "int32"), axis=axes))

    def per_threshold(self):
        """`(T, 2)`: background and foreground IoU at each threshold (NaN where undefined)."""
        tp, predicted = self.tp.value(), self.predicted.value()
        actual, total = self.actual.value(), self.total.value()
        fg_union = predicted + actual - tp
        bg_inter = total - predicted - actual + tp
        bg_union = total - tp
        fg = ops.where(fg_union > 0, tp / ops.maximum(fg_union, 1.0), float("nan"))
        bg = ops.where(bg_union > 0, bg_inter / ops.maximum(bg_union, 1.0), float("nan"))
        return ops.stack([bg, fg], axis=-1)

    def result(self):
        return _nan_mean(_nan_mean(self.per_threshold()))

    def get_config(self):
        return {
            **super().get_config(),
            "thresholds": list(self.thresholds),
            "ignore_class": self.ignore_class,
            "from_logits": self.from_logits,
            "data_format": self.data_format,
            "spatial_dims": self.spatial_dims,
        }
