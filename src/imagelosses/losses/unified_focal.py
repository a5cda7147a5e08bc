"""The asymmetric unified focal loss (Yeung et al., Computerized Medical Imaging and Graphics 2022).

Class 0 is the background and the others the (rare) foreground; for K = 1 the channels are
`[1 - p, p]`. With probabilities clipped to `[EPSILON, 1 - EPSILON]`, over the counted pixels of
one image and its K' classes (K' = 2 for K = 1):

    asymmetric focal         = mean over pixels of [ (1 - delta) (1 - p_0)^gamma (-t_0 log p_0)
                                                    + delta sum_{c>0} (-t_c log p_c) ] / K'
    TI_c                     = (tp_c + EPSILON) / (tp_c + delta fn_c + (1 - delta) fp_c + EPSILON)
    asymmetric focal Tversky = [ (1 - TI_0) + sum_{c>0} (1 - TI_c)^(1 - gamma) ] / K'
    loss                     = weight * focal + (1 - weight) * focal Tversky

The background is suppressed (focal factor, Tversky without exponent) and the foreground
enhanced (no focal factor, exponent `1 - gamma < 1`). For K = 1 this is MONAI's
`AsymmetricUnifiedFocalLoss` (whose `delta` defaults to 0.7; the paper's is 0.6, the default
here), which supports only the binary case; for K >= 2 it is the paper's multi-class form with
the same per-class mean. Inputs and label options as in `imagelosses.losses`.
"""

from __future__ import annotations

from collections.abc import Sequence

from keras import ops

from imagelosses import _checks
from imagelosses._reduce import sum_over
from imagelosses._registry import register_loss
from imagelosses._types import Tensor
from imagelosses.losses import _labels
from imagelosses.losses.base import Loss
from imagelosses.losses.focal import _focal_factor

# Clipping of the probabilities and smoothing of the Tversky index (MONAI's `epsilon`).
EPSILON = 1e-7


def _channels(seg):
    """Probabilities and targets with the background channel first, for K = 1 too."""
    p = ops.clip(seg.pred, EPSILON, 1.0 - EPSILON)
    t = seg.target
    if seg.num_classes == 1:
        p = ops.concatenate([1.0 - p, p], axis=-1)
        t = ops.concatenate([(1.0 - t) * seg.valid if seg.masked else 1.0 - t, t], axis=-1)
    return p, t


@_checks.options(
    weight=_checks.number(0.0, 1.0),
    delta=_checks.number(0.0, 1.0),
    gamma=_checks.number(0.0, 1.0),
    **_labels.label_options("ignore_class", "from_logits", "data_format", "spatial_dims"),
)
def asymmetric_unified_focal_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    weight: float = 0.5,
    delta: float = 0.6,
    gamma: float = 0.5,
    ignore_class: int | Sequence[int] | None = None,
    from_logits: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Asymmetric unified focal loss (Yeung et al. 2022), per image; formula in the module.

    Args:
        weight: in [0, 1], the weight of the asymmetric focal term (default 0.5); the focal
            Tversky term gets `1 - weight`.
        delta: in [0, 1], the weight of the foreground in both terms, and of the false negatives
            in the Tversky index (default 0.6, the paper's; MONAI's default is 0.7).
        gamma: in [0, 1], the focal exponent of the background and `1 - gamma` the exponent of
            the foreground Tversky term (default 0.5).

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
    p, t = _channels(seg)
    k = p.shape[-1]
    axes = seg.pixel_axes(True)
    valid = seg.valid
    cross_entropy = -t * ops.log(p)  # the target is 0 at void pixels
    background = (1.0 - delta) * _focal_factor(1.0 - p[..., :1], gamma) * cross_entropy[..., :1]
    pixel = background[..., 0] + delta * ops.sum(cross_entropy[..., 1:], axis=-1)
    count = ops.maximum(sum_over(valid[..., 0], axis=axes), 1.0)
    focal = sum_over(pixel, axis=axes) / count / k
    tp = sum_over(p * t, axis=axes)
    predicted = sum_over(p * valid if seg.masked else p, axis=axes)
    actual = sum_over(t, axis=axes)
    fp, fn = ops.maximum(predicted - tp, 0.0), ops.maximum(actual - tp, 0.0)
    index = (tp + EPSILON) / (tp + delta * fn + (1.0 - delta) * fp + EPSILON)
    miss = ops.maximum(1.0 - index, 0.0)
    tversky = (miss[..., 0] + ops.sum(_focal_factor(miss[..., 1:], 1.0 - gamma), axis=-1)) / k
    return weight * focal + (1.0 - weight) * tversky


@register_loss
class AsymmetricUnifiedFocalLoss(Loss, fn=asymmetric_unified_focal_loss):
    """Asymmetric unified focal loss: focal + focal Tversky, background suppressed (Yeung et al. 2022)."""
