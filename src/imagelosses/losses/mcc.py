"""Matthews correlation coefficient loss (Abhishek and Hamarneh 2021), from soft counts.

Inputs, label options and the class average are those of `imagelosses.losses.overlap`. With the
soft counts `tp = sum p t`, `fp = sum p (1 - t)`, `fn = sum (1 - p) t`,
`tn = sum (1 - p)(1 - t)` over the counted pixels of each image and class:

    mcc = (tp tn - fp fn) / sqrt((tp + fp)(tp + fn)(tn + fp)(tn + fn) + smooth)

and the loss is `1 - mcc` (in [0, 2]), 0 where the prediction is exact (`fp = fn = 0`, where the
ratio would be 0/0 for a class that fills or misses the whole image), as in MONAI's `MCCLoss`.
Unlike Dice, the true negatives count, so a class that is absent and predicted absent is scored.
"""

from __future__ import annotations

from collections.abc import Sequence

from keras import ops

from imagelosses import _checks
from imagelosses._registry import register_loss
from imagelosses._types import Tensor
from imagelosses.losses import _labels
from imagelosses.losses._counts import pixel_sum, soft_counts
from imagelosses.losses.base import Loss
from imagelosses.losses.overlap import _finish, _prepare

# Keeps the square root's gradient finite when `smooth=0` and a product is 0.
_EPSILON = 1e-12


@_checks.options(smooth=_checks.non_negative(), **_labels.LABEL_OPTIONS)
def mcc_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    smooth: float = 1e-5,
    ignore_class: int | Sequence[int] | None = None,
    class_weights: Sequence[float] | None = None,
    per_image: bool = True,
    include_background: bool = True,
    from_logits: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Matthews correlation loss `1 - mcc` per image and class, averaged over classes.

    Args:
        smooth: >= 0, added under the square root of the denominator (default 1e-5, MONAI's
            `smooth_dr`; MONAI's `smooth_nr` is 0 and not offered).

    Returns:
        float32 `(B,)` (`(B, T)` for sequences), in [0, 2].

    Matches `monai.losses.MCCLoss(smooth_dr=smooth)` (per image and class, then the mean;
    `per_image=False` is its `batch=True`).

    Example:
        >>> import numpy as np
        >>> t = np.array([1.0, 1.0, 0.0, 0.0]).reshape(1, 2, 2, 1)
        >>> float(mcc_loss(t, t)[0]), round(float(mcc_loss(t, 1.0 - t)[0]), 4)
        (0.0, 2.0)
    """
    seg = _prepare(y_true, y_pred, from_logits, ignore_class, data_format, spatial_dims)
    c = soft_counts(seg, per_image)
    tn = pixel_sum((1.0 - seg.pred) * (1.0 - seg.target), seg, per_image)
    numerator = c.tp * tn - c.fp * c.fn
    product = (c.tp + c.fp) * (c.tp + c.fn) * (tn + c.fp) * (tn + c.fn)
    mcc = numerator / ops.sqrt(product + smooth + _EPSILON)
    perfect = ops.logical_and(c.fp <= 0.0, c.fn <= 0.0)
    per_class = ops.where(perfect, 0.0, 1.0 - mcc)
    return _finish(per_class, seg, per_image, class_weights, include_background)


@register_loss
class MCCLoss(Loss, fn=mcc_loss):
    """Matthews correlation coefficient loss, per image and class (Abhishek and Hamarneh 2021)."""
