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
