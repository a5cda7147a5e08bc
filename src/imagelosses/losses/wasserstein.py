"""Generalized Wasserstein Dice loss (Fidon et al., BrainLes 2017).

A distance matrix `M` (K x K, zero diagonal, scaled so its largest entry is 1) says how bad
each confusion is. At each counted pixel with target `t` (one-hot or soft) and probabilities
`p`, the Wasserstein distance to the label is `w = sum_{c,k} t_c M[c, k] p_k`. With class
weights `a_c` (`a(t) = sum_c a_c t_c` at a pixel), per image:

    tp = sum a(t) (1 - w)
    "default": a = (0, 1, ..., 1) (the paper's), denominator = 2 tp + sum w
    "GDL":     a_c = 1 / (volume_c + 1) (background included), denominator = sum a(t) (2 - w)
    loss = 1 - (2 tp + smooth) / (denominator + smooth)

as MONAI's `GeneralizedWassersteinDiceLoss(weighting_mode=...)` (which always applies a softmax:
`from_logits=True` here). Inputs and label options as in `imagelosses.losses`; void pixels
(`ignore_class`) have a zero target, so they drop out of every sum.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
from keras import ops

from imagelosses import _checks
from imagelosses._reduce import sum_over
from imagelosses._registry import register_loss
from imagelosses._types import Tensor
from imagelosses.losses import _labels
from imagelosses.losses.base import Loss


def _distance_matrix(name, value):
    """None (every confusion costs 1) or a square matrix of non-negative reals, not all 0."""
    if value is None:
        return None
    message = (
        f"Invalid value for argument `{name}`. Expected None or a square matrix (a list "
        f"of K lists of K non-negative numbers, not all 0). Received: {name}={value!r}"
    )
    # Python only, no numpy: the check runs at every call, inside traced code (torch.compile
    # traces numpy as tensors and breaks its graph on them).
    rows = [_as_list(row) for row in _as_list(value) or ()]
    if not rows or any(row is None or len(row) != len(rows) for row in rows):
        raise ValueError(message)
    entries = [entry for row in rows for entry in row]
    if any(isinstance(e, (bool, np.bool_)) or not isinstance(e, numbers.Real) for e in entries):
        raise TypeError(message)
    entries = [float(e) for e in entries]
    if not all(math.isfinite(e) and e >= 0 for e in entries) or max(entries) <= 0:
        raise ValueError(message)
    return [[float(e) for e in row] for row in rows]


def _as_list(value):
    """A list, tuple or numpy array as a list; None for anything else."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return list(value) if isinstance(value, (list, tuple)) else None


def _normalised(distance_matrix, k: int) -> list[list[float]]:
    """The checked matrix over its largest entry, as Python floats (constants to every tracer)."""
    if distance_matrix is None:
        return [[0.0 if i == j else 1.0 for j in range(k)] for i in range(k)]
    rows = [[float(v) for v in row] for row in distance_matrix]  # square: checked by the option
    if len(rows) != k:
        raise ValueError(
            f"Invalid value for argument `distance_matrix`. Expected a {k} x {k} matrix (the "
            f"channels of `y_pred`). Received: shape {(len(rows), len(rows))}"
        )
    largest = max(max(row) for row in rows)
    return [[v / largest for v in row] for row in rows]


@_checks.options(
    distance_matrix=_distance_matrix,
    weighting_mode=_checks.one_of("default", "GDL"),
    smooth=_checks.non_negative(),
    **_labels.label_options("ignore_class", "from_logits", "data_format", "spatial_dims"),
)
def generalized_wasserstein_dice_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    distance_matrix: Sequence[Sequence[float]] | None = None,
    weighting_mode: str = "default",
    smooth: float = 1e-5,
    ignore_class: int | Sequence[int] | None = None,
    from_logits: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Generalized Wasserstein Dice loss (Fidon et al. 2017), per image; formula in the module.

    Args:
        distance_matrix: None (`1 - identity`: every confusion costs 1) or a K x K matrix of
            non-negative numbers (rows: the true class, columns: the predicted one), divided by
            its largest entry. K >= 2; class 0 is the background.
        weighting_mode: "default" (the paper's weights) or "GDL" (inverse class volumes + 1).
        smooth: >= 0, added to numerator and denominator (default 1e-5, MONAI's).

    Returns:
        float32 `(B,)` (`(B, T)` for sequences), in [0, 1].
    """
    seg = _labels.prepare(
        y_true,
        y_pred,
        from_logits=from_logits,
        ignore_class=ignore_class,
        data_format=data_format,
        spatial_dims=spatial_dims,
    )
    k = seg.num_classes
    if k < 2:
        raise ValueError(
            "`generalized_wasserstein_dice_loss` needs K >= 2 channels in `y_pred` "
            f"(class 0 is the background). Received: K={k}"
        )
    matrix = ops.convert_to_tensor(_normalised(distance_matrix, k), "float32")
    t, p = seg.target, seg.pred
    w = ops.sum(ops.matmul(t, matrix) * p, axis=-1)  # the target is 0 at void pixels
    axes = seg.pixel_axes(True)
    if weighting_mode == "GDL":
        volume = sum_over(t, axis=axes)
        alpha = 1.0 / (volume + 1.0)
        expand = tuple(range(len(volume.shape) - 1, len(t.shape) - 1))
        pixel_alpha = ops.sum(t * ops.expand_dims(alpha, expand), axis=-1)
    else:
        pixel_alpha = ops.sum(t[..., 1:], axis=-1)
    tp = sum_over(pixel_alpha * (1.0 - w), axis=axes)
    if weighting_mode == "GDL":
        denominator = sum_over(pixel_alpha * (2.0 - w), axis=axes)
    else:
        denominator = 2.0 * tp + sum_over(w, axis=axes)
    return 1.0 - (2.0 * tp + smooth) / ops.maximum(denominator + smooth, 1e-12)


@register_loss
class GeneralizedWassersteinDiceLoss(Loss, fn=generalized_wasserstein_dice_loss):
    """Generalized Wasserstein Dice loss: Dice with a cost per confusion (Fidon et al. 2017)."""
