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

import keras
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
    x, valid, axes = _summed_axes_last(seg, per_image, x, seg.valid)
    return sum_over(x * valid if seg.masked else x, axis=axes)


def soft_counts(seg: Segmentation, per_image: bool) -> Counts:
    """Soft TP/FP/FN per class of the prepared inputs."""
    pred, target, valid, axes = _summed_axes_last(seg, per_image, seg.pred, seg.target, seg.valid)
    tp = sum_over(pred * target, axis=axes)  # the target is 0 at void pixels
    predicted = sum_over(pred * valid if seg.masked else pred, axis=axes)
    actual = sum_over(target, axis=axes)
    return Counts(tp, ops.maximum(predicted - tp, 0.0), ops.maximum(actual - tp, 0.0), predicted, actual)


# Whether the counts' inputs are transposed so that the summed axes come last (jax only, below).
SUMMED_AXES_LAST = {"jax": True}


def _summed_axes_last(seg: Segmentation, per_image: bool, *tensors):
    """`(*tensors, axes)`: on jax the tensors transposed so the summed pixel axes are the last ones.

    XLA's CPU reductions over the pixel axes of a `(B, H, W, K)` array, which keep the short
    class axis last, were twice as slow as over the minor axes of the same values transposed to
    `(B, K, H, W)` (the compiled program writes the inputs out either way, with the bad-label
    term added; transposed, it reduces the minor axes): Dice forward+backward at 4x256x256x3 took
    3.0-3.7 ms and 1.7-1.8 ms (a /tmp script, jitted, medians of 60 calls; `keras.losses.dice`
    1.8-2.5 ms in the benchmark). Why the minor-axis reduction is faster was not looked into.
    The same sums in another order: `tests/segmentation/test_counts.py` compares the two.
    Elsewhere the tensors are returned as they are (the portable path). Not in `sum_over`: a
    transpose of the product there was folded back by XLA (the same program as before, seen in
    the compiled HLO), so the inputs of the products are the ones transposed.
    """
    axes = seg.pixel_axes(per_image)
    if not SUMMED_AXES_LAST.get(keras.backend.backend(), False):
        return (*tensors, axes)
    rank = len(seg.pred.shape)
    kept = [a for a in range(rank) if a not in axes]
    order = kept + list(axes)
    moved = tuple(ops.transpose(t, order) if len(t.shape) == rank else t for t in tensors)
    return (*moved, tuple(range(len(kept), rank)))
