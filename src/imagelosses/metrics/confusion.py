"""Confusion-matrix metrics from exact counts, one Keras metric class per score, and the
generalized Dice score.

`Precision`, `Recall`, `Specificity`, `FBetaScore` and `MatthewsCorrelation` have the shape of
Keras's own `Precision` / `F1Score`: one object per score for `compile(metrics=[...])`, each with
`num_classes` and `average` (None: the per-class vector `(C,)`; "mean": the mean over classes).
Labels, predictions, `threshold`, `ignore_class`, `sample_weight` and the exact int32-pair
counters are those of `imagelosses.metrics.IoU` (`imagelosses.metrics.segmentation`); a counter of
the counted pixels gives `tn = n - tp - fp - fn` per class (one-vs-rest).

Per class, from the totals over every batch:

    precision = tp / (tp + fp)          recall (sensitivity) = tp / (tp + fn)
    specificity = tn / (tn + fp)        F_beta = (1 + b^2) tp / ((1 + b^2) tp + b^2 fn + fp)
    mcc = (tp tn - fp fn) / sqrt((tp + fp)(tp + fn)(tn + fp)(tn + fn))

equal to MONAI's `compute_confusion_matrix_metric` ("precision", "sensitivity",
"specificity", "f1" for beta = 1, "mcc") on the summed `get_confusion_matrix` counts.

0/0 (a class never predicted, for precision; never present, for recall): `zero_division="nan"`
(default, MONAI's policy) gives NaN for that class, left out of the mean (a mean over no class is
NaN); a number in [0, 1] (segmentation_models_pytorch's `zero_division`) is used as the value
and counted in the mean. The mean is the macro mean of the per-class values; MONAI's
`reduction="mean"` averages the counts over classes first.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
from keras import ops

from imagelosses import _checks
from imagelosses._registry import register_metric
from imagelosses._shapes import check_choice, resolve_layout, to_float
from imagelosses.metrics.segmentation import _ClassCounts, _ExactCounter, _mask


def _zero_division(value):
    if isinstance(value, str) and value == "nan":
        return value
    # another string is a value outside the choices; anything but a string or a number, a wrong type
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (str, numbers.Real)):
        raise TypeError(
            'Invalid type for argument `zero_division`. Expected "nan" or a number in [0, 1]. '
            f"Received: zero_division={value!r}"
        )
    if isinstance(value, str):
        raise ValueError(
            'Invalid value for argument `zero_division`. Expected "nan" or a number in [0, 1]. '
            f"Received: zero_division={value!r}"
        )
    return _checks.real("zero_division", value, minimum=0.0, maximum=1.0)


class _Confusion(_ClassCounts):
    """Per-class TP/FP/FN/TN from exact counts; subclasses define `score(tp, fp, fn, tn)`."""

    default_name = None  # each score's Keras name, used when `name` is None

    def __init__(
        self,
        num_classes: int,
        average: str | None = None,
        zero_division: str | float = "nan",
        threshold: float = 0.5,
        ignore_class: int | Sequence[int] | None = None,
        from_logits: bool = False,
        data_format: str | None = None,
        spatial_dims: int | None = None,
        name: str | None = None,
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
            name=name or self.default_name,
            dtype=dtype,
        )
        self.zero_division = _zero_division(zero_division)
        self.pixels = _ExactCounter(self, "pixels", 1)

    def update_state(self, y_true, y_pred, sample_weight=None):
        predicted, actual, valid = self._hard(y_true, y_pred)
        valid = _mask(sample_weight, valid)
        axes = tuple(range(len(valid.shape) - 1))
        predicted, actual = ops.cast(predicted * valid, "int32"), ops.cast(actual * valid, "int32")
        self.tp.add(ops.sum(predicted * actual, axis=axes))
        self.predicted.add(ops.sum(predicted, axis=axes))
        self.actual.add(ops.sum(actual, axis=axes))
        self.pixels.add(ops.sum(ops.cast(valid, "int32"), axis=axes))

    def _ratio(self, numerator, denominator):
        fill = float("nan") if self.zero_division == "nan" else self.zero_division
        return ops.where(denominator > 0, numerator / ops.where(denominator > 0, denominator, 1.0), fill)

    def per_class(self):
        tp, predicted, actual = self.tp.value(), self.predicted.value(), self.actual.value()
        fp, fn = predicted - tp, actual - tp
        tn = self.pixels.value() - predicted - actual + tp
        return self.score(tp, fp, fn, tn)

    def counts(self) -> dict:
        """Exact int64 totals per class: `tp`, `fp`, `fn`, `tn` (numpy, read on the host)."""
        counts = super().counts()
        counts["tn"] = self.pixels.exact() - counts["tp"] - counts["fp"] - counts["fn"]
        return counts

    def get_config(self):
        return {**super().get_config(), "zero_division": self.zero_division}


_ARGS = """
    Args:
        num_classes: C >= 2 (2 with a one-channel, binary `y_pred`).
        average: None (default): `result()` is the per-class vector `(C,)`; "mean": the mean
            over the classes that have a value.
        zero_division: "nan" (default, MONAI's) or a number in [0, 1] for 0/0 (module docstring).
        threshold, ignore_class, from_logits, data_format, spatial_dims: as in `IoU`.
"""


@register_metric
class Precision(_Confusion):
    __doc__ = "Precision per class, `tp / (tp + fp)`, from exact counts over all batches.\n" + _ARGS

    default_name = "precision"

    def score(self, tp, fp, fn, tn):
        return self._ratio(tp, tp + fp)


@register_metric
class Recall(_Confusion):
    __doc__ = (
        "Recall (sensitivity) per class, `tp / (tp + fn)`, from exact counts over all batches.\n" + _ARGS
    )

    default_name = "recall"

    def score(self, tp, fp, fn, tn):
        return self._ratio(tp, tp + fn)


@register_metric
class Specificity(_Confusion):
    __doc__ = (
        "Specificity per class, `tn / (tn + fp)` (one-vs-rest), from exact counts over all batches.\n" + _ARGS
    )

    default_name = "specificity"

    def score(self, tp, fp, fn, tn):
        return self._ratio(tn, tn + fp)


@register_metric
class FBetaScore(_Confusion):
    __doc__ = (
        "F-beta per class, `(1 + b^2) tp / ((1 + b^2) tp + b^2 fn + fp)`, from exact "
        "counts over all batches (beta = 1: F1, the Dice of `Dice`).\n"
        + _ARGS
        + "        beta: > 0 (default 1); beta > 1 weighs recall more.\n"
    )

    def __init__(
        self,
        num_classes: int,
        beta: float = 1.0,
        average: str | None = None,
        zero_division: str | float = "nan",
        threshold: float = 0.5,
        ignore_class: int | Sequence[int] | None = None,
        from_logits: bool = False,
        data_format: str | None = None,
        spatial_dims: int | None = None,
        name: str | None = "fbeta_score",
        dtype: str | None = None,
    ) -> None:
        super().__init__(
            num_classes,
            average=average,
            zero_division=zero_division,
            threshold=threshold,
            ignore_class=ignore_class,
            from_logits=from_logits,
            data_format=data_format,
            spatial_dims=spatial_dims,
            name=name,
            dtype=dtype,
        )
        self.beta = _checks.real("beta", beta, minimum=0.0, exclusive_minimum=True)

    def score(self, tp, fp, fn, tn):
        b2 = self.beta**2
        return self._ratio((1.0 + b2) * tp, (1.0 + b2) * tp + b2 * fn + fp)

    def get_config(self):
        return {**super().get_config(), "beta": self.beta}


@register_metric
class MatthewsCorrelation(_Confusion):
    __doc__ = (
        "Matthews correlation per class (one-vs-rest), in [-1, 1], from exact counts over "
        "all batches.\n" + _ARGS
    )

    default_name = "matthews_correlation"

    def score(self, tp, fp, fn, tn):
        # a product of four square roots: the product of the four sums overflows float32 sooner
        root = ops.sqrt(tp + fp) * ops.sqrt(tp + fn) * ops.sqrt(tn + fp) * ops.sqrt(tn + fn)
        return self._ratio(tp * tn - fp * fn, root)


WEIGHT_TYPES = ("square", "simple", "uniform")


@register_metric
class GeneralizedDiceScore(_ClassCounts):
    """The generalized Dice score of hard predictions, per image, averaged over all images seen.

    Per image, with `w_c = 1 / actual_c^2` ("square"), `1 / actual_c` ("simple") or 1
    ("uniform"): `2 sum_c w_c tp_c / sum_c w_c (actual_c + predicted_c)`; a class absent from
    the labels takes the largest weight of the present ones (1 if none is present), and an
    image with a denominator of 0 scores 1. Equal to MONAI's
    `compute_generalized_dice(..., sum_over_classes=True)` per image; `result()` is the mean over
    the images (sequence frames) accumulated, `sample_weight` weighting each image.

    Args:
        num_classes: C >= 2 (2 with a one-channel, binary `y_pred`).
        weight_type: "square" (default), "simple" or "uniform".
        include_background: True (default); False leaves class 0 out.
        threshold, ignore_class, from_logits, data_format, spatial_dims: as in `IoU`.
    """

    def __init__(
        self,
        num_classes: int,
        weight_type: str = "square",
        include_background: bool = True,
        threshold: float = 0.5,
        ignore_class: int | Sequence[int] | None = None,
        from_logits: bool = False,
        data_format: str | None = None,
        spatial_dims: int | None = None,
        name: str | None = "generalized_dice_score",
        dtype: str | None = None,
    ) -> None:
        super().__init__(
            num_classes,
            average=None,
            threshold=threshold,
            ignore_class=ignore_class,
            from_logits=from_logits,
            data_format=data_format,
            spatial_dims=spatial_dims,
            name=name,
            dtype=dtype,
        )
        check_choice("weight_type", weight_type, WEIGHT_TYPES)
        self.weight_type = weight_type
        self.include_background = _checks.boolean("include_background", include_background)
        self.total = self.add_variable(shape=(), initializer="zeros", dtype="float32", name="total")
        self.images = self.add_variable(shape=(), initializer="zeros", dtype="float32", name="images")

    def _scores(self, predicted, actual, layout):
        # the hard maps are channels_last: sample axes, spatial axes, classes
        first = layout.num_sample_axes
        axes = tuple(range(first, first + layout.spatial_dims))
        tp = ops.sum(predicted * actual, axis=axes)
        p, t = ops.sum(predicted, axis=axes), ops.sum(actual, axis=axes)
        if not self.include_background:
            tp, p, t = tp[..., 1:], p[..., 1:], t[..., 1:]
        present = t > 0
        safe = ops.where(present, t, 1.0)
        w = {"square": 1.0 / ops.square(safe), "simple": 1.0 / safe, "uniform": ops.ones_like(safe)}[
            self.weight_type
        ]
        w = ops.where(present, w, 0.0)
        largest = ops.max(w, axis=-1, keepdims=True, initial=0.0)
        w = ops.where(present, w, ops.where(largest > 0, largest, 1.0))
        numerator = 2.0 * ops.sum(w * tp, axis=-1)
        denominator = ops.sum(w * (t + p), axis=-1)
        return ops.where(denominator > 0, numerator / ops.where(denominator > 0, denominator, 1.0), 1.0)

    def update_state(self, y_true, y_pred, sample_weight=None):
        predicted, actual, valid = self._hard(y_true, y_pred)
        layout = resolve_layout(
            ops.shape(y_pred), data_format=self.data_format, spatial_dims=self.spatial_dims, name="y_pred"
        )
        scores = self._scores(predicted * valid, actual * valid, layout)
        weights = (
            ops.ones_like(scores)
            if sample_weight is None
            else ops.broadcast_to(to_float(sample_weight, "sample_weight"), ops.shape(scores))
        )
        self.total.assign(self.total + ops.sum(weights * scores))
        self.images.assign(self.images + ops.sum(weights))

    def result(self):
        return ops.where(self.images > 0, self.total / ops.maximum(self.images, 1e-12), float("nan"))

    def get_config(self):
        config = super().get_config()
        config.pop("average")
        return {**config, "weight_type": self.weight_type, "include_background": self.include_background}
