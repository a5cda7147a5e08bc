"""float64 references for distance transforms and surface metrics, through scipy.ndimage.

Surfaces are computed as MONAI 1.6 computes them by default (`get_mask_edges` without spacing): a
foreground pixel whose cross-shaped binary erosion (border value 0) removes it. Distances between
surfaces come from `scipy.ndimage.distance_transform_edt` in float64, one image and class at a time.
"""

from __future__ import annotations

import numpy as np
import scipy.ndimage as ndi


def reference_distance_transform(x, spacing=None, spatial_dims=2):
    """channels_last `(B, *spatial, C)` -> float64 EDT per image and channel; `inf` with no zero."""
    x = np.asarray(x)
    out = np.empty(x.shape, np.float64)
    for b in range(x.shape[0]):
        for c in range(x.shape[-1]):
            image = x[b, ..., c] != 0
            if image.all():
                out[b, ..., c] = np.inf
            else:
                out[b, ..., c] = ndi.distance_transform_edt(image, sampling=spacing)
    return out


def reference_boundary(mask):
    """One 2D/3D boolean mask -> its inner boundary (MONAI's edges)."""
    mask = np.asarray(mask, bool)
    return mask & ~ndi.binary_erosion(mask, border_value=0)


def blob_labels(rng, shape, num_classes, sigma=2.0):
    """Integer maps `(B, *spatial)` of smooth random regions (equal-area classes per image)."""
    field = ndi.gaussian_filter(rng.random(shape), sigma, axes=tuple(range(1, len(shape))))
    out = np.empty(shape, np.int32)
    for b in range(shape[0]):
        edges = np.quantile(field[b], np.linspace(0, 1, num_classes + 1)[1:-1])
        out[b] = np.digitize(field[b], edges)
    return out


def one_hot_channels_first(labels, num_classes):
    """`(B, *spatial)` integer map -> float64 `(B, K, *spatial)`, MONAI's input layout."""
    return np.moveaxis(np.eye(num_classes)[labels], -1, 1)


def _edt(mask, spacing):
    return ndi.distance_transform_edt(mask, sampling=spacing)


def _class_maps(y_true, y_pred, spatial_dims, from_logits, ignore_class):
    """Per image: probabilities `(N, *spatial, K)`, targets likewise and the valid mask `(N, *spatial)`.

    Void pixels take the library's rule: target 0, prediction that of a logit (or probability) 0.
    """
    from tests.reference.segmentation import flat_labels, probabilities

    y_pred = np.asarray(y_pred, np.float64)
    shape = y_pred.shape
    k = shape[-1]
    target, valid = flat_labels(y_true, k, ignore_class)
    raw = np.where(valid.reshape(shape[:-1] + (1,)), y_pred, 0.0)
    p = probabilities(raw, from_logits)
    return p, target.reshape(shape), valid.reshape(shape[:-1])


def _class_mean(per_pixel, valid, weights):
    """Mean over valid pixels per class, then the weighted class mean (0 when nothing counts)."""
    values = np.array(
        [per_pixel[..., c][valid].mean() if valid.any() else 0.0 for c in range(per_pixel.shape[-1])]
    )
    return float((weights * values).sum() / weights.sum()) if weights.sum() > 0 else 0.0


def reference_boundary_loss(
    y_true,
    y_pred,
    spatial_dims=2,
    *,
    spacing=None,
    from_logits=False,
    ignore_class=None,
    include_background=False,
    class_weights=None,
):
    """Kervadec et al.'s `SurfaceLoss` per image (their `one_hot2dist`), float64 through scipy."""
    from tests.reference.segmentation import counted_classes

    p, t, valid = _class_maps(y_true, y_pred, spatial_dims, from_logits, ignore_class)
    weights = counted_classes(p.shape[-1], ignore_class, include_background, class_weights)
    out = []
    for i in range(p.shape[0]):
        phi = np.zeros(p.shape[1:])
        for c in range(p.shape[-1]):
            pos = t[i, ..., c] > 0.5
            if pos.any() and not pos.all():  # 0 for an absent class and for one with no boundary
                neg = ~pos
                phi[..., c] = _edt(neg, spacing) * neg - (_edt(pos, spacing) - 1) * pos
        out.append(_class_mean(p[i] * phi, valid[i], weights))
    return np.asarray(out)


def _hausdorff_field(mask, spacing):
    fg = mask > 0.5
    if not fg.any() or fg.all():
        return np.zeros(mask.shape)
    return _edt(fg, spacing) + _edt(~fg, spacing)


def reference_hausdorff_dt_loss(
    y_true,
    y_pred,
    spatial_dims=2,
    *,
    alpha=2.0,
    log=False,
    spacing=None,
    from_logits=False,
    ignore_class=None,
    include_background=False,
    class_weights=None,
):
    """Karimi and Salcudean's HD loss per image, float64 through scipy (MONAI's distance field)."""
    from tests.reference.segmentation import counted_classes

    p, t, valid = _class_maps(y_true, y_pred, spatial_dims, from_logits, ignore_class)
    weights = counted_classes(p.shape[-1], ignore_class, include_background, class_weights)
    out = []
    for i in range(p.shape[0]):
        term = np.zeros(p.shape[1:])
        for c in range(p.shape[-1]):
            distance = (
                _hausdorff_field(p[i, ..., c], spacing) ** alpha
                + _hausdorff_field(t[i, ..., c], spacing) ** alpha
            )
            term[..., c] = (p[i, ..., c] - t[i, ..., c]) ** 2 * distance
        value = _class_mean(term, valid[i], weights)
        out.append(np.log1p(value) if log else value)
    return np.asarray(out)
