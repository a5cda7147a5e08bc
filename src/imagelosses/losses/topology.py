"""Topology-preserving losses for tubular structures: soft clDice (Shit et al., CVPR 2021).

With `S(x)` the soft skeleton of `imagelosses.filters.morphology` (`iters` erosions), for
probabilities `p` and labels `t` of one image:

    tprec = (sum S(p) t + smooth) / (sum S(p) + smooth)      (topology precision)
    tsens = (sum S(t) p + smooth) / (sum S(t) + smooth)      (topology sensitivity)
    cldice = 1 - 2 tprec tsens / (tprec + tsens + HARMONIC_EPSILON)

The sums run over the pixels and the counted classes together (every class, or all but class 0
with `include_background=False`), as MONAI's `SoftclDiceLoss` pools them: one ratio per image,
not a class average. Inputs and `from_logits` as in `imagelosses.losses`; void pixels
(`ignore_class`) are not offered, since a skeleton runs across them. Images only: 2D, 3D and
sequences (each frame its own skeleton).
"""

from __future__ import annotations

from keras import ops

from imagelosses import _checks
from imagelosses._reduce import sum_over
from imagelosses._registry import register_loss
from imagelosses._types import Tensor
from imagelosses.filters.morphology import soft_skeleton
from imagelosses.losses import _labels
from imagelosses.losses.base import Loss
from imagelosses.losses.overlap import dice_loss

# MONAI's `smooth` of the harmonic mean: keeps 0/0 away when both ratios are 0.
HARMONIC_EPSILON = 1e-4

_OPTIONS = dict(
    iters=_checks.whole(0),
    smooth=_checks.positive(),
    **_labels.label_options("include_background", "from_logits", "data_format", "spatial_dims"),
)


def _skeletons(x, seg, iters):
    """The soft skeleton of every image (frame) and channel of channels_last `x`."""
    samples, rank = seg.num_sample_axes, len(x.shape)
    image = [ops.shape(x)[i] if x.shape[i] is None else x.shape[i] for i in range(samples, rank)]
    folded = ops.reshape(x, [-1, *image])
    skeleton = soft_skeleton(folded, iters, seg.layout.spatial_dims)
    return ops.reshape(skeleton, [ops.shape(x)[i] for i in range(samples)] + image)


def _cldice(y_true, y_pred, iters, smooth, include_background, from_logits, data_format, spatial_dims):
    seg = _labels.prepare(
        y_true, y_pred, from_logits=from_logits, data_format=data_format, spatial_dims=spatial_dims
    )
    p, t = seg.pred, seg.target
    if not include_background and seg.num_classes > 1:
        p, t = p[..., 1:], t[..., 1:]
    axes = tuple(range(seg.num_sample_axes, len(p.shape)))
    skel_p, skel_t = _skeletons(p, seg, iters), _skeletons(t, seg, iters)
    tprec = (sum_over(skel_p * t, axis=axes) + smooth) / (sum_over(skel_p, axis=axes) + smooth)
    tsens = (sum_over(skel_t * p, axis=axes) + smooth) / (sum_over(skel_t, axis=axes) + smooth)
    return 1.0 - 2.0 * tprec * tsens / (tprec + tsens + HARMONIC_EPSILON)


@_checks.options(**_OPTIONS)
def soft_cldice_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    iters: int = 3,
    smooth: float = 1.0,
    include_background: bool = True,
    from_logits: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Soft clDice loss (Shit et al. 2021), one pooled ratio per image.

    Args:
        iters: >= 0, the erosions of the soft skeleton (default 3); choose it about the largest
            radius of the structures, in pixels.
        smooth: > 0, added to numerator and denominator of both ratios (default 1, MONAI's
            `smooth_nr = smooth_dr`).

    Returns:
        float32 `(B,)` (`(B, T)` for sequences), in [0, 1].

    Matches `monai.losses.SoftclDiceLoss(iter_=iters, smooth_nr=smooth, smooth_dr=smooth)`
    per image (its `reduction="none"`), with `softmax=True` / `sigmoid=True` for
    `from_logits=True`.
    """
    return _cldice(y_true, y_pred, iters, smooth, include_background, from_logits, data_format, spatial_dims)


@_checks.options(alpha=_checks.number(0.0, 1.0), **_OPTIONS)
def dice_cldice_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    iters: int = 3,
    alpha: float = 0.5,
    smooth: float = 1.0,
    include_background: bool = True,
    from_logits: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """`(1 - alpha) dice + alpha cldice`: soft Dice (`dice_loss`, per class and averaged, with
    the same `smooth`) plus soft clDice (`soft_cldice_loss`), per image.

    Args:
        iters: >= 0, the erosions of the soft skeleton (default 3).
        alpha: in [0, 1], the weight of the clDice term (default 0.5).
        smooth: > 0, the smoothing of both terms (default 1).

    Returns:
        float32 `(B,)` (`(B, T)` for sequences), in [0, 1].

    Matches `monai.losses.SoftDiceclDiceLoss(iter_=iters, alpha=alpha, smooth_nr=smooth,
    smooth_dr=smooth)` per image.
    """
    dice = dice_loss(
        y_true,
        y_pred,
        smooth=smooth,
        include_background=include_background,
        from_logits=from_logits,
        data_format=data_format,
        spatial_dims=spatial_dims,
    )
    cl = _cldice(y_true, y_pred, iters, smooth, include_background, from_logits, data_format, spatial_dims)
    return (1.0 - alpha) * dice + alpha * cl


@register_loss
class SoftClDiceLoss(Loss, fn=soft_cldice_loss):
    """Soft clDice: Dice between soft skeletons and masks, for tubular structures (Shit et al. 2021)."""


@register_loss
class DiceClDiceLoss(Loss, fn=dice_cldice_loss):
    """Soft Dice plus soft clDice (Shit et al. 2021)."""
