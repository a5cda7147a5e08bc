"""Float64 numpy references of the newer segmentation losses, written from their definitions.

Nothing here calls imagelosses. Inputs as in `tests.reference.segmentation`: channels_last numpy
arrays, `y_pred` `(N, *spatial, K)`, `y_true` an integer map `(N, *spatial, 1)` or one-hot.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from tests.reference import segmentation as seg


def reference_mcc_loss(y_true, y_pred, *, smooth=1e-5, **options):
    def per_class(p, t):
        tp, fp = np.sum(p * t), np.sum(p * (1 - t))
        fn, tn = np.sum((1 - p) * t), np.sum((1 - p) * (1 - t))
        if fp == 0 and fn == 0:
            return 0.0
        den = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn) + smooth)
        return 1.0 - (tp * tn - fp * fn) / den

    return seg._region_loss(y_true, y_pred, per_class, **options)


def _smoothed(y_true, k, label_smoothing, ignore_class=None):
    """One-hot targets `(N, P, K)` with Keras's label smoothing, and the valid mask."""
    t, valid = seg.flat_labels(y_true, k, ignore_class)
    share = 0.5 if k == 1 else 1.0 / k
    return t * (1 - label_smoothing) + label_smoothing * share, valid


def reference_pixel_terms(
    y_true, y_pred, *, gamma=0.0, label_smoothing=0.0, from_logits=False, ignore_class=None
):
    """Per-pixel focal (gamma = 0: cross-entropy) terms `(N, P)` with smoothed targets.

    K = 1: `-(t' (1 - p)^g log p + (1 - t') p^g log(1 - p))`; K >= 2:
    `-sum_k t'_k (1 - p_k)^g log p_k`.
    """
    p = seg.probabilities(y_pred, from_logits)
    n, k = p.shape[0], p.shape[-1]
    p = p.reshape(n, -1, k)
    t, valid = _smoothed(y_true, k, label_smoothing, ignore_class)
    lp, lq = np.log(np.clip(p, seg.EPS, 1)), np.log(np.clip(1 - p, seg.EPS, 1))
    if k == 1:
        term = -(t * (1 - p) ** gamma * lp + (1 - t) * p**gamma * lq)[..., 0]
    else:
        term = -np.sum(t * (1 - p) ** gamma * lp, axis=-1)
    return term, valid


def reference_smoothed_loss(y_true, y_pred, **options):
    term, valid = reference_pixel_terms(y_true, y_pred, **options)
    return np.array([term[i][valid[i]].mean() for i in range(term.shape[0])])


def reference_top_k_loss(y_true, y_pred, *, k=10.0, **options):
    term, valid = reference_pixel_terms(y_true, y_pred, **options)
    out = []
    for i in range(term.shape[0]):
        values = np.sort(term[i][valid[i]])[::-1]
        keep = max(int(np.floor(values.size * k / 100)), 1)
        out.append(values[:keep].sum() / keep if values.size else 0.0)
    return np.array(out)


def reference_dice_ce_loss(y_true, y_pred, *, lambda_dice=1.0, lambda_ce=1.0, smooth=1e-5, from_logits=False):
    dice = seg.reference_dice_loss(y_true, y_pred, smooth=smooth, from_logits=from_logits)
    ce = seg.reference_cross_entropy_loss(y_true, y_pred, from_logits=from_logits)
    return lambda_dice * dice + lambda_ce * ce


def reference_dice_focal_loss(
    y_true, y_pred, *, lambda_dice=1.0, lambda_focal=1.0, gamma=2.0, smooth=1e-5, from_logits=False
):
    dice = seg.reference_dice_loss(y_true, y_pred, smooth=smooth, from_logits=from_logits)
    focal = seg.reference_focal_loss(y_true, y_pred, gamma=gamma, from_logits=from_logits)
    return lambda_dice * dice + lambda_focal * focal


def soft_erode(x):
    """Min over the 3-tap cross of each axis, separately, then the min of those (pads: +inf)."""
    d = x.ndim
    outs = []
    for axis in range(d):
        size = [1] * d
        size[axis] = 3
        outs.append(ndimage.minimum_filter(x, size=size, mode="constant", cval=np.inf))
    return np.min(outs, axis=0)


def soft_dilate(x):
    return ndimage.maximum_filter(x, size=3, mode="constant", cval=-np.inf)


def soft_skeleton(x, iters):
    """Shit et al.'s soft skeleton of one image `(*spatial)`, in float64."""

    def soft_open(img):
        return soft_dilate(soft_erode(img))

    img1 = soft_open(x)
    skel = np.maximum(x - img1, 0)
    for _ in range(iters):
        x = soft_erode(x)
        img1 = soft_open(x)
        delta = np.maximum(x - img1, 0)
        skel = skel + np.maximum(delta - skel * delta, 0)
    return skel


def _probabilities_and_targets(y_true, y_pred, from_logits):
    p = seg.probabilities(y_pred, from_logits)
    k = p.shape[-1]
    t = np.asarray(y_true, np.float64)
    if t.shape[-1] == 1 and k > 1:
        t = np.eye(k)[t[..., 0].astype(int)]
    return p, t


def reference_cldice_loss(y_true, y_pred, *, iters=3, smooth=1.0, include_background=True, from_logits=False):
    """MONAI's pooled soft clDice per image: sums over classes and pixels before each ratio."""
    p, t = _probabilities_and_targets(y_true, y_pred, from_logits)
    first = 0 if include_background or p.shape[-1] == 1 else 1
    out = []
    for i in range(p.shape[0]):
        pi, ti = p[i][..., first:], t[i][..., first:]
        sp = np.stack([soft_skeleton(pi[..., c], iters) for c in range(pi.shape[-1])], -1)
        st = np.stack([soft_skeleton(ti[..., c], iters) for c in range(ti.shape[-1])], -1)
        tprec = (np.sum(sp * ti) + smooth) / (np.sum(sp) + smooth)
        tsens = (np.sum(st * pi) + smooth) / (np.sum(st) + smooth)
        out.append(1.0 - 2.0 * tprec * tsens / (tprec + tsens + 1e-4))
    return np.array(out)


def reference_dice_cldice_loss(
    y_true, y_pred, *, iters=3, alpha=0.5, smooth=1.0, include_background=True, from_logits=False
):
    """MONAI's SoftDiceclDiceLoss per image: Dice per class (smooth 1, averaged), then the mix."""
    dice = seg.reference_dice_loss(
        y_true, y_pred, smooth=smooth, from_logits=from_logits, include_background=include_background
    )
    cl = reference_cldice_loss(
        y_true,
        y_pred,
        iters=iters,
        smooth=smooth,
        include_background=include_background,
        from_logits=from_logits,
    )
    return (1.0 - alpha) * dice + alpha * cl


def reference_unified_focal_loss(y_true, y_pred, *, weight=0.5, delta=0.6, gamma=0.5, eps=1e-7):
    """Yeung et al.'s asymmetric unified focal loss per image; class 0 the background, K = 1 as
    the two channels `[1 - p, p]`; both terms averaged over the classes."""
    p = np.asarray(y_pred, np.float64)
    n = p.shape[0]
    if p.shape[-1] == 1:
        p = np.concatenate([1 - p, p], -1)
        t = np.asarray(y_true, np.float64)
        t = np.concatenate([1 - t, t], -1)
    else:
        t = np.eye(p.shape[-1])[np.asarray(y_true)[..., 0].astype(int)]
    p = np.clip(p, eps, 1 - eps).reshape(n, -1, p.shape[-1])
    t = t.reshape(n, -1, t.shape[-1])
    k = p.shape[-1]
    out = []
    for i in range(n):
        ce = -t[i] * np.log(p[i])
        focal = ((1 - delta) * (1 - p[i][:, 0]) ** gamma * ce[:, 0] + delta * ce[:, 1:].sum(-1)).mean() / k
        terms = []
        for c in range(k):
            tp = np.sum(p[i][:, c] * t[i][:, c])
            fn = np.sum((1 - p[i][:, c]) * t[i][:, c])
            fp = np.sum(p[i][:, c] * (1 - t[i][:, c]))
            ti = (tp + eps) / (tp + delta * fn + (1 - delta) * fp + eps)
            terms.append(1 - ti if c == 0 else (1 - ti) ** (1 - gamma))
        out.append(weight * focal + (1 - weight) * np.sum(terms) / k)
    return np.array(out)


def reference_wasserstein_dice_loss(
    y_true, y_pred, *, distance_matrix=None, weighting_mode="default", smooth=1e-5, from_logits=False
):
    """Fidon et al.'s generalized Wasserstein Dice loss per image, integer labels."""
    p = seg.probabilities(y_pred, from_logits)
    n, k = p.shape[0], p.shape[-1]
    m = 1 - np.eye(k) if distance_matrix is None else np.asarray(distance_matrix, np.float64)
    m = m / m.max()
    labels = np.asarray(y_true)[..., 0].astype(int).reshape(n, -1)
    p = p.reshape(n, -1, k)
    out = []
    for i in range(n):
        w = np.array([m[labels[i][j]] @ p[i][j] for j in range(labels.shape[1])])
        if weighting_mode == "GDL":
            alpha = 1 / (np.bincount(labels[i], minlength=k) + 1.0)
        else:
            alpha = np.array([0.0] + [1.0] * (k - 1))
        a = alpha[labels[i]]
        tp = np.sum(a * (1 - w))
        den = np.sum(a * (2 - w)) if weighting_mode == "GDL" else 2 * tp + np.sum(w)
        out.append(1 - (2 * tp + smooth) / (den + smooth))
    return np.array(out)
