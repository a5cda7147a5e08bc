"""Float64 numpy references of the segmentation losses and metrics, written from the definitions.

Nothing here calls imagelosses. Inputs are channels_last numpy arrays: `y_pred` `(N, *spatial, K)`,
`y_true` an integer map `(N, *spatial, 1)` or one-hot `(N, *spatial, K)` (for K = 1 the binary
label). Each function loops over images and classes in plain Python, the way the papers write
the formulas, and drops void pixels by boolean indexing (as Berman's code does).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

EPS = 1e-7


def _softmax(x):
    x = x - x.max(axis=-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


def probabilities(y_pred, from_logits=False):
    y_pred = np.asarray(y_pred, np.float64)
    if not from_logits:
        return y_pred
    if y_pred.shape[-1] == 1:
        return 1.0 / (1.0 + np.exp(-y_pred))
    return _softmax(y_pred)


def _ignore_list(ignore_class):
    if ignore_class is None:
        return []
    return list(ignore_class) if isinstance(ignore_class, (list, tuple)) else [ignore_class]


def flat_labels(y_true, k, ignore_class=None):
    """`(N, P, K)` one-hot (or soft) targets and `(N, P)` booleans: True where the pixel counts."""
    y_true = np.asarray(y_true, np.float64)
    n = y_true.shape[0]
    ignore = _ignore_list(ignore_class)
    if y_true.shape[-1] == 1:
        labels = y_true.reshape(n, -1)
        valid = ~np.isin(labels, ignore)
        if k == 1:
            return np.where(valid, labels, 0.0)[..., None], valid
        target = np.zeros(labels.shape + (k,))
        for c in range(k):
            target[..., c] = (labels == c) & valid
        return target, valid
    target = y_true.reshape(n, -1, k)
    chans = [c for c in ignore if 0 <= c < k]
    valid = np.ones(target.shape[:2], bool)
    if chans:
        valid = target[..., chans].sum(-1) < 0.5
    return target * valid[..., None], valid


def counted_classes(k, ignore_class=None, include_background=True, class_weights=None):
    w = np.ones(k) if class_weights is None else np.asarray(class_weights, np.float64).copy()
    for c in _ignore_list(ignore_class):
        if 0 <= c < k:
            w[c] = 0.0
    if not include_background and k > 1:
        w[0] = 0.0
    return w


def _weighted_mean(values, weights):
    total = weights.sum()
    return float((weights * values).sum() / total) if total > 0 else 0.0


def _groups(n, per_image):
    """Index lists: one per image, or all images together."""
    return [[i] for i in range(n)] if per_image else [list(range(n))]


def _per_sample(values_by_group, n, per_image):
    if per_image:
        return np.asarray(values_by_group, np.float64)
    return np.full((n,), values_by_group[0], np.float64)


def _region_loss(
    y_true,
    y_pred,
    per_class_fn,
    *,
    ignore_class=None,
    class_weights=None,
    per_image=True,
    include_background=True,
    from_logits=False,
):
    p_all = probabilities(y_pred, from_logits)
    n, k = p_all.shape[0], p_all.shape[-1]
    t_all, valid_all = flat_labels(y_true, k, ignore_class)
    p_all = p_all.reshape(n, -1, k)
    weights = counted_classes(k, ignore_class, include_background, class_weights)
    out = []
    for group in _groups(n, per_image):
        p = np.concatenate([p_all[i][valid_all[i]] for i in group])
        t = np.concatenate([t_all[i][valid_all[i]] for i in group])
        losses = np.array([per_class_fn(p[:, c], t[:, c]) for c in range(k)])
        out.append(_weighted_mean(losses, weights))
    return _per_sample(out, n, per_image)


def reference_dice_loss(y_true, y_pred, *, smooth=1.0, squared=False, log=False, **options):
    def per_class(p, t):
        inter = np.sum(p * t)
        den = np.sum(p * p) + np.sum(t * t) if squared else np.sum(p) + np.sum(t)
        dice = (2 * inter + smooth) / max(den + smooth, EPS)
        return -np.log(max(dice, EPS)) if log else 1.0 - dice

    return _region_loss(y_true, y_pred, per_class, **options)


def reference_jaccard_loss(y_true, y_pred, *, smooth=1.0, **options):
    def per_class(p, t):
        inter = np.sum(p * t)
        union = np.sum(p) + np.sum(t) - inter
        return 1.0 - (inter + smooth) / max(union + smooth, EPS)

    return _region_loss(y_true, y_pred, per_class, **options)


def _tversky_index(p, t, alpha, beta, smooth):
    tp = np.sum(p * t)
    fp = np.sum(p * (1 - t))
    fn = np.sum((1 - p) * t)
    return (tp + smooth) / max(tp + alpha * fp + beta * fn + smooth, EPS)


def reference_tversky_loss(y_true, y_pred, *, alpha=0.5, beta=0.5, smooth=1.0, **options):
    return _region_loss(
        y_true, y_pred, lambda p, t: 1.0 - _tversky_index(p, t, alpha, beta, smooth), **options
    )


def reference_focal_tversky_loss(y_true, y_pred, *, alpha=0.3, beta=0.7, gamma=0.75, smooth=1.0, **options):
    def per_class(p, t):
        miss = 1.0 - _tversky_index(p, t, alpha, beta, smooth)
        return max(miss, 0.0) ** gamma

    return _region_loss(y_true, y_pred, per_class, **options)


def reference_generalized_dice_loss(
    y_true,
    y_pred,
    *,
    smooth=1e-5,
    ignore_class=None,
    class_weights=None,
    per_image=True,
    include_background=True,
    from_logits=False,
):
    p_all = probabilities(y_pred, from_logits)
    n, k = p_all.shape[0], p_all.shape[-1]
    t_all, valid_all = flat_labels(y_true, k, ignore_class)
    p_all = p_all.reshape(n, -1, k)
    counted = counted_classes(k, ignore_class, include_background, class_weights)
    out = []
    for group in _groups(n, per_image):
        p = np.concatenate([p_all[i][valid_all[i]] for i in group])
        t = np.concatenate([t_all[i][valid_all[i]] for i in group])
        volumes = t.sum(0)
        w = np.zeros(k)
        present = [c for c in range(k) if volumes[c] > 0 and counted[c] > 0]
        for c in present:
            w[c] = 1.0 / volumes[c] ** 2
        largest = max([w[c] for c in present], default=0.0)
        for c in range(k):
            if volumes[c] == 0:
                w[c] = largest
        w = w * counted
        inter = (p * t).sum(0)
        den = p.sum(0) + t.sum(0)
        out.append(1.0 - (2 * np.sum(w * inter) + smooth) / max(np.sum(w * den) + smooth, EPS))
    return _per_sample(out, n, per_image)


def _pixel_loss(
    y_true,
    y_pred,
    gamma,
    alpha,
    *,
    class_weights=None,
    pixel_weights=None,
    ignore_class=None,
    per_image=True,
    include_background=True,
    from_logits=False,
):
    y_pred = np.asarray(y_pred, np.float64)
    n, k = y_pred.shape[0], y_pred.shape[-1]
    t_all, valid_all = flat_labels(y_true, k, ignore_class)
    if from_logits:
        z = y_pred.reshape(n, -1, k)
        if k == 1:
            log_p, log_q = -np.logaddexp(0, -z), -np.logaddexp(0, z)
            p = np.exp(log_p)
        else:
            log_p = (
                z
                - np.log(np.sum(np.exp(z - z.max(-1, keepdims=True)), -1, keepdims=True))
                - z.max(-1, keepdims=True)
            )
            p = np.exp(log_p)
            log_q = None
    else:
        p = y_pred.reshape(n, -1, k)
        log_p, log_q = np.log(np.clip(p, EPS, 1)), np.log(np.clip(1 - p, EPS, 1))
    pw = (
        np.ones((n, t_all.shape[1]))
        if pixel_weights is None
        else np.asarray(pixel_weights, np.float64).reshape(n, -1)
    )
    if k == 1:
        cw = np.ones(2) if class_weights is None else np.asarray(class_weights, np.float64)
        a = np.ones(2) if alpha is None else np.array([1 - alpha, alpha])
        t = t_all[..., 0]
        term = -(
            cw[1] * a[1] * t * (1 - p[..., 0]) ** gamma * log_p[..., 0]
            + cw[0] * a[0] * (1 - t) * p[..., 0] ** gamma * log_q[..., 0]
        )
    else:
        cw = counted_classes(k, ignore_class, include_background, class_weights)
        a = np.ones(k) if alpha is None else np.array([1 - alpha] + [alpha] * (k - 1))
        term = -np.sum(cw * a * t_all * (1 - p) ** gamma * log_p, axis=-1)
    out = []
    for group in _groups(n, per_image):
        values = np.concatenate([(term[i] * pw[i])[valid_all[i]] for i in group])
        out.append(values.sum() / max(values.size, 1))
    return _per_sample(out, n, per_image)


def reference_cross_entropy_loss(y_true, y_pred, **options):
    return _pixel_loss(y_true, y_pred, 0.0, None, **options)


def reference_focal_loss(y_true, y_pred, *, gamma=2.0, alpha=None, **options):
    return _pixel_loss(y_true, y_pred, gamma, alpha, **options)


def lovasz_grad(fg_sorted):
    """Berman's Algorithm 1, on one sorted label vector."""
    total = fg_sorted.sum()
    intersection = total - np.cumsum(fg_sorted)
    union = total + np.cumsum(1.0 - fg_sorted)
    jaccard = 1.0 - intersection / union
    grad = jaccard.copy()
    grad[1:] = jaccard[1:] - jaccard[:-1]
    return grad


def lovasz_flat(errors, fg):
    if errors.size == 0:
        return 0.0
    order = np.argsort(-errors, kind="stable")
    return float(np.dot(errors[order], lovasz_grad(fg[order])))


def reference_lovasz_softmax_loss(
    y_true,
    y_pred,
    *,
    classes="present",
    ignore_class=None,
    class_weights=None,
    per_image=True,
    include_background=True,
    from_logits=False,
):
    p_all = probabilities(y_pred, from_logits)
    n, k = p_all.shape[0], p_all.shape[-1]
    t_all, valid_all = flat_labels(y_true, k, ignore_class)
    p_all = p_all.reshape(n, -1, k)
    counted = counted_classes(k, ignore_class, include_background, class_weights)
    out = []
    for group in _groups(n, per_image):
        p = np.concatenate([p_all[i][valid_all[i]] for i in group])
        t = np.concatenate([t_all[i][valid_all[i]] for i in group])
        losses, weights = [], []
        for c in range(k):
            if classes == "present" and t[:, c].sum() == 0:
                continue
            losses.append(lovasz_flat(np.abs(t[:, c] - p[:, c]), t[:, c]))
            weights.append(counted[c])
        out.append(_weighted_mean(np.array(losses), np.array(weights)))
    return _per_sample(out, n, per_image)


def reference_lovasz_hinge_loss(
    y_true,
    y_pred,
    *,
    ignore_class=None,
    class_weights=None,
    per_image=True,
    include_background=True,
    from_logits=True,
):
    z = np.asarray(y_pred, np.float64)
    if not from_logits:
        q = np.clip(z, EPS, 1 - EPS)
        z = np.log(q / (1 - q))
    n, k = z.shape[0], z.shape[-1]
    t_all, valid_all = flat_labels(y_true, k, ignore_class)
    z = z.reshape(n, -1, k)
    counted = counted_classes(k, ignore_class, include_background, class_weights)
    out = []
    for group in _groups(n, per_image):
        s = np.concatenate([z[i][valid_all[i]] for i in group])
        t = np.concatenate([t_all[i][valid_all[i]] for i in group])
        losses = []
        for c in range(k):
            errors = 1.0 - s[:, c] * (2 * t[:, c] - 1)
            order = np.argsort(-errors, kind="stable")
            losses.append(
                float(np.dot(np.maximum(errors[order], 0), lovasz_grad(t[order, c]))) if errors.size else 0.0
            )
        out.append(_weighted_mean(np.array(losses), counted))
    return _per_sample(out, n, per_image)


def keras_same_average(x, size):
    """`avg_pool(padding="same")` over the spatial axes of `(N, *spatial)`: in-image mean."""
    window = (1,) + (size,) * (x.ndim - 1)
    total = ndimage.uniform_filter(x, window, mode="constant") * size ** (x.ndim - 1)
    count = ndimage.uniform_filter(np.ones_like(x), window, mode="constant") * size ** (x.ndim - 1)
    return total / count


def reference_boundary_weighted_bce_dice_loss(
    y_true,
    y_pred,
    *,
    pool_size=11,
    smooth=1.0,
    ignore_class=None,
    class_weights=None,
    per_image=True,
    include_background=True,
    from_logits=False,
):
    p = probabilities(y_pred, from_logits)
    n, k = p.shape[0], p.shape[-1]
    spatial = p.shape[1:-1]
    t_flat, valid = flat_labels(y_true, k, ignore_class)
    t = t_flat.reshape((n, *spatial, k))
    weights = np.zeros((n, *spatial))
    for c in range(k):
        a = keras_same_average(t[..., c], pool_size)
        weights = np.maximum(weights, 5.0 * np.exp(-5.0 * np.abs(a - 0.5)))
    weights = weights.reshape(n, -1) * valid
    p = p.reshape(n, -1, k)
    if k == 1:
        q = p[..., 0]
        bce = -(
            t_flat[..., 0] * np.log(np.clip(q, EPS, 1))
            + (1 - t_flat[..., 0]) * np.log(np.clip(1 - q, EPS, 1))
        )
    else:
        bce = -np.sum(t_flat * np.log(np.clip(p, EPS, 1)), -1)
    counted = counted_classes(k, ignore_class, include_background, class_weights)
    out = []
    for group in _groups(n, per_image):
        w = np.concatenate([weights[i] for i in group])
        v = np.concatenate([valid[i] for i in group])
        w = w * v.sum() / max(w.sum(), EPS)
        b = np.concatenate([bce[i] for i in group])
        pp = np.concatenate([p[i] for i in group])
        tt = np.concatenate([t_flat[i] for i in group])
        weighted_bce = np.sum(w * b) / max(np.sum(w), EPS)
        w2 = (w * w)[:, None]
        dice = (2 * np.sum(w2 * tt * pp, 0) + smooth) / np.maximum(
            np.sum(w2 * tt, 0) + np.sum(w2 * pp, 0) + smooth, EPS
        )
        out.append(weighted_bce + _weighted_mean(1 - dice, counted))
    return _per_sample(out, n, per_image)


def reference_forgiven(y_true, y_pred, *, classes=(0,), from_logits=False):
    """`y_pred` with the truth at pixels whose true class is forgiven (channels_last)."""
    y_pred = np.asarray(y_pred, np.float64).copy()
    k = y_pred.shape[-1]
    y_true = np.asarray(y_true, np.float64)
    if y_true.shape[-1] == 1:
        label = y_true[..., 0]
        forgiven = np.isin(label, classes)
        truth = label[..., None] if k == 1 else np.eye(k)[np.clip(label, 0, k - 1).astype(int)]
    else:
        forgiven = y_true[..., list(classes)].sum(-1) >= 0.5
        truth = y_true
    if from_logits:
        truth = 100.0 * (2 * truth - 1)
    y_pred[forgiven] = truth[forgiven]
    return y_pred


def reference_confusion(y_true, y_pred, num_classes, ignore_class=None, threshold=0.5):
    """`(tp, fp, fn)` int64 per class of hard predictions (argmax, or `>= threshold` for K = 1)."""
    y_pred = np.asarray(y_pred, np.float64)
    n, k = y_pred.shape[0], y_pred.shape[-1]
    t, valid = flat_labels(y_true, k, ignore_class)
    p = y_pred.reshape(n, -1, k)
    if k == 1:
        pred = (p[..., 0] >= threshold).astype(int)
        true = (t[..., 0] >= 0.5).astype(int)
    else:
        pred, true = p.argmax(-1), t.argmax(-1)
    pred, true = pred[valid], true[valid]
    tp = np.array([np.sum((pred == c) & (true == c)) for c in range(num_classes)], np.int64)
    fp = np.array([np.sum((pred == c) & (true != c)) for c in range(num_classes)], np.int64)
    fn = np.array([np.sum((pred != c) & (true == c)) for c in range(num_classes)], np.int64)
    return tp, fp, fn


def reference_thresholded_mean_iou(y_true, y_pred, thresholds, ignore_class=None):
    t, valid = flat_labels(y_true, 1, ignore_class)
    truth = t[..., 0][valid] >= 0.5
    p = np.asarray(y_pred, np.float64).reshape(t.shape[0], -1)[valid]
    means = []
    for s in thresholds:
        pred = p >= s
        ious = []
        for a, b in ((pred, truth), (~pred, ~truth)):
            union = np.sum(a | b)
            if union:
                ious.append(np.sum(a & b) / union)
        if ious:
            means.append(np.mean(ious))
    return float(np.mean(means)) if means else float("nan")
