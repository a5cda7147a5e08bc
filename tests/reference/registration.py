"""Float64 numpy/scipy references of the registration losses, written from their definitions.

Inputs are channels_last numpy arrays `(N, *spatial, C)`; each function returns `(N,)` float64.
Local sums use `scipy.ndimage.correlate` with the full n-D window (not the separable passes of
the library); derivatives of displacement fields use `np.diff` and `np.gradient` (not the
library's stencils). The windows and normalisations are those of MONAI 1.6.1, read from its
`losses/image_dissimilarity.py` and `losses/deform.py`.
"""

from __future__ import annotations

import numpy as np
import scipy.ndimage as ndi


def _window_1d(size: int, kind: str) -> np.ndarray:
    offsets = np.arange(size) - size // 2
    if kind == "rectangular":
        return np.ones(size)
    if kind == "gaussian":  # sigma = size / 3, peak 1
        return np.exp(-0.5 * offsets**2 / (size / 3.0) ** 2)
    # triangular: a box of f = (size + 1) // 2 taps (made odd) convolved with itself, over f**2
    f = (size + 1) // 2
    f = f if f % 2 else f - 1
    return np.maximum(f - np.abs(offsets), 0) / f**2


def reference_local_ncc(
    y_true, y_pred, spatial_dims, kernel_size=3, kernel_type="rectangular", smooth_nr=0.0, smooth_dr=1e-5
):
    """-mean of (cross**2 + nr) / (max(var_t, dr) max(var_p, dr)) from zero-padded local sums."""
    t, p = np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64)
    w = _window_1d(kernel_size, kernel_type)
    window = w
    for _ in range(spatial_dims - 1):
        window = np.multiply.outer(window, w)
    window = window[(None,) + (slice(None),) * spatial_dims + (None,)]  # no mixing of samples/channels
    n = window.sum()

    def local(x):
        return ndi.correlate(x, window, mode="constant", cval=0.0)

    st, sp = local(t), local(p)
    cross = local(t * p) - st * sp / n
    var_t = np.maximum(local(t * t) - st * st / n, smooth_dr)
    var_p = np.maximum(local(p * p) - sp * sp / n, smooth_dr)
    ncc = (cross**2 + smooth_nr) / (var_t * var_p)
    return -ncc.reshape(len(t), -1).mean(axis=1)


def _parzen_gaussian(x, num_bins, sigma_ratio):
    centres = np.linspace(0.0, 1.0, num_bins)
    sigma = sigma_ratio * (centres[1] - centres[0])
    w = np.exp(-((np.clip(x, 0.0, 1.0)[:, None] - centres) ** 2) / (2 * sigma**2))
    return w / w.sum(axis=1, keepdims=True)


def _parzen_bspline(x, num_bins, order):
    """ITK's b-spline windows: the range maps to bins [2, K - 2], positions clipped to [2, K - 3]."""
    span = x.max() - x.min()
    span = span if span > 0 else 1.0  # a constant image: every sample in bin 2
    position = np.clip((x - x.min()) * (num_bins - 4) / span + 2, 2, num_bins - 3)
    d = np.abs(np.arange(num_bins)[None, :] - position[:, None])
    if order == 0:
        w = np.where(d < 0.5, 1.0, np.where(d == 0.5, 0.5, 0.0))
    else:
        w = np.where(d < 1, (4 - 6 * d**2 + 3 * d**3) / 6, np.where(d < 2, (2 - d) ** 3 / 6, 0.0))
    return w / w.sum(axis=1, keepdims=True)


def reference_global_mutual_information(
    y_true, y_pred, num_bins=23, sigma_ratio=0.5, kernel_type="gaussian", smooth_nr=1e-7, smooth_dr=1e-7
):
    """-MI of each image's (y_pred, y_true) intensity histogram, from Parzen windows."""
    out = []
    for t, p in zip(np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64)):
        a, b = p.ravel(), t.ravel()
        if kernel_type == "gaussian":
            wa, wb = _parzen_gaussian(a, num_bins, sigma_ratio), _parzen_gaussian(b, num_bins, sigma_ratio)
        else:
            wa, wb = _parzen_bspline(a, num_bins, 3), _parzen_bspline(b, num_bins, 0)
        joint = wa.T @ wb / len(a)
        product = np.outer(wa.mean(axis=0), wb.mean(axis=0))
        out.append(-np.sum(joint * np.log((joint + smooth_nr) / (product + smooth_dr) + smooth_dr)))
    return np.array(out)


def _interior(x, spatial_dims):
    return x[(slice(None),) + (slice(1, -1),) * spatial_dims]


def _scale(sizes, numerator):
    """numerator / n_c for each component c: MONAI's `normalize=True` factor."""
    return numerator / np.asarray(sizes, np.float64)


def reference_bending_energy(ddf, spatial_dims, normalize=False):
    """Mean of sum_a (d_aa u)**2 + 2 sum_{a<b} (d_ab u)**2 over interior samples and components."""
    u = np.asarray(ddf, np.float64)
    sizes = u.shape[1 : 1 + spatial_dims]
    energy = 0.0
    for a in range(1, spatial_dims + 1):
        pure = np.diff(u, 2, axis=a)  # u[i + 1] - 2 u[i] + u[i - 1] at the interior of axis a
        pure = pure[tuple(slice(None) if k in (0, a) else slice(1, -1) for k in range(u.ndim - 1))]
        if normalize:
            pure = pure * _scale(sizes, sizes[a - 1] ** 2)
        energy = energy + pure**2
        for b in range(a + 1, spatial_dims + 1):
            mixed = _interior(np.gradient(np.gradient(u, axis=a), axis=b), spatial_dims)
            if normalize:
                mixed = mixed * _scale(sizes, sizes[a - 1] * sizes[b - 1])
            energy = energy + 2 * mixed**2
    return energy.reshape(len(u), -1).mean(axis=1)


def reference_diffusion(ddf, spatial_dims, normalize=False):
    """Mean of sum_a (d_a u)**2 (central differences) over interior samples and components."""
    u = np.asarray(ddf, np.float64)
    sizes = u.shape[1 : 1 + spatial_dims]
    energy = 0.0
    for a in range(1, spatial_dims + 1):
        g = _interior(np.gradient(u, axis=a), spatial_dims)
        if normalize:
            g = g * _scale(sizes, sizes[a - 1])
        energy = energy + g**2
    return energy.reshape(len(u), -1).mean(axis=1)
