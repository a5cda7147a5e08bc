"""float64 references for the edge losses, written from their definitions with numpy/scipy.

Inputs are channels_last numpy arrays `(N, *spatial, C)`; outputs one float64 value per sample.
"""

from __future__ import annotations

import numpy as np

from tests.reference.filters import reference_gradient_magnitude, reference_laplacian, reference_sobel


def _per_sample_mean(x):
    return x.reshape(x.shape[0], -1).mean(axis=1)


def _distance(d, distance):
    return d**2 if distance == "mse" else np.abs(d)


def reference_sobel_loss(
    y_true, y_pred, distance="mse", magnitude=False, normalize=False, mode="reflect", spatial_dims=2
):
    maps = []
    for y in (y_true, y_pred):
        mag = reference_gradient_magnitude(y, mode, spatial_dims)
        m = mag if magnitude else reference_sobel(y, mode, spatial_dims)
        if normalize:
            peak = mag.reshape(mag.shape[0], -1).max(axis=1) + 1e-7
            m = m / peak.reshape((-1,) + (1,) * (m.ndim - 1))
        maps.append(m)
    return _per_sample_mean(_distance(maps[0] - maps[1], distance))


def reference_laplacian_loss(y_true, y_pred, distance="mse", diagonals=False, mode="reflect", spatial_dims=2):
    d = reference_laplacian(y_true, mode, spatial_dims, diagonals) - reference_laplacian(
        y_pred, mode, spatial_dims, diagonals
    )
    return _per_sample_mean(_distance(d, distance))


def reference_gradient_difference_loss(y_true, y_pred, alpha=1.0, spatial_dims=2):
    total = 0.0
    for axis in range(1, spatial_dims + 1):
        gap = np.abs(np.abs(np.diff(y_true, axis=axis)) - np.abs(np.diff(y_pred, axis=axis)))
        total = total + _per_sample_mean(gap**alpha)
    return total


def reference_mse(y_true, y_pred):
    return _per_sample_mean((np.asarray(y_true, np.float64) - y_pred) ** 2)
