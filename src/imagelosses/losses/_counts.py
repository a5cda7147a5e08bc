"""Soft true positives, false positives and false negatives per class, with the void mask.

For probabilities `p` and labels `t` (one-hot or soft) at the counted pixels (`valid = 1`):

    tp = sum(valid * p * t)    fp = sum(valid * p * (1 - t))    fn = sum(valid * (1 - p) * t)

summed over the spatial axes of each image (`per_image=True`: shape `(B, K)`, `(B, T, K)` for
sequences) or over the whole batch (`per_image=False`: shape `(K,)`). These are MONAI's
"decoupled=False" counts (its Tversky form); for hard labels they equal `sum(p) - tp` and
`sum(t) - tp`.
"""

from __future__ import annotations

from dataclasses import dataclass

from keras import ops

from imagelosses.losses._labels import Segmentation


@dataclass(frozen=True)
class Counts:
    tp: object
    fp: object
    fn: object


def pixel_sum(x, seg: Segmentation, per_image: bool):
    """`sum(valid * x)` over the pixels of each image (or of the batch), per channel."""
    return ops.sum(x * seg.valid, axis=seg.pixel_axes(per_image))


def soft_counts(seg: Segmentation, per_image: bool, pred=None) -> Counts:
    """Soft TP/FP/FN per class of the prepared inputs (`pred` replaces `seg.pred` if given)."""
    p = seg.pred if pred is None else pred
    t = seg.target
    tp = pixel_sum(p * t, seg, per_image)
    fp = pixel_sum(p * (1.0 - t), seg, per_image)
    fn = pixel_sum((1.0 - p) * t, seg, per_image)
    return Counts(tp, fp, fn)
