"""Soft true positives, false positives and false negatives per class, with the void mask.

For probabilities `p` and labels `t` (one-hot or soft) at the counted pixels (`valid = 1`):

    tp = sum(valid * p * t)    fp = sum(valid * p * (1 - t))    fn = sum(valid * (1 - p) * t)

summed over the spatial axes of each image (`per_image=True`: shape `(B, K)`, `(B, T, K)` for
sequences) or over the whole batch (`per_image=False`: shape `(K,)`). These are MONAI's
"decoupled=False" counts (its Tversky form). They are computed from three sums, `tp`,
`sum(valid * p)` and `sum(t)` (the target is already zero at void pixels), as
`fp = sum(valid * p) - tp` and `fn = sum(t) - tp`: the same values, with one product instead of
three; the differences are clamped at 0 against float32 rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

from keras import ops

from imagelosses._reduce import sum_over
from imagelosses.losses._labels import Segmentation


@dataclass(frozen=True)
class Counts:
    tp: object
    fp: object
    fn: object
    predicted: object  # sum(valid * p) = tp + fp
    actual: object  # sum(t) = tp + fn


def pixel_sum(x, seg: Segmentation, per_image: bool):
    """`sum(valid * x)` over the pixels of each image (or of the batch), per channel."""
    return sum_over(x * seg.valid if seg.masked else x, axis=seg.pixel_axes(per_image))


def soft_counts(seg: Segmentation, per_image: bool) -> Counts:
    """Soft TP/FP/FN per class of the prepared inputs."""
    axes = seg.pixel_axes(per_image)
    tp = sum_over(seg.pred * seg.target, axis=axes)  # the target is 0 at void pixels
    predicted = pixel_sum(seg.pred, seg, per_image)
    actual = sum_over(seg.target, axis=axes)
    return Counts(tp, ops.maximum(predicted - tp, 0.0), ops.maximum(actual - tp, 0.0), predicted, actual)
