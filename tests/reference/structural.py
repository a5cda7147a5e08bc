"""float64 references for SSIM, MS-SSIM, PSNR and the restoration losses, from their definitions.

Written with numpy and scipy.ndimage only, one image and channel at a time (never the library).
Inputs are channels_last numpy arrays `(N, *spatial, C)`; outputs one float64 value per sample.
"""

from __future__ import annotations

import numpy as np
import scipy.ndimage as ndi

POWER_FACTORS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def gaussian_window(size, sigma):
    offsets = np.arange(size) - (size - 1) / 2.0
    w = np.exp(-0.5 * (offsets / sigma) ** 2)
    return w / w.sum()


def _valid_filter(image, window):
    """Gaussian-weighted local mean at every position where the window fits (no padding)."""
    r = len(window) // 2
    out = np.asarray(image, np.float64)
    for axis in range(out.ndim):
        out = ndi.correlate1d(out, window, axis=axis, mode="constant")
        index = [slice(None)] * out.ndim
        index[axis] = slice(r, out.shape[axis] - r)
        out = out[tuple(index)]
    return out


def _maps(x, y, max_val, size, sigma, k1, k2):
    w = gaussian_window(size, sigma)
    mx, my = _valid_filter(x, w), _valid_filter(y, w)
    vx = _valid_filter(x * x, w) - mx**2
    vy = _valid_filter(y * y, w) - my**2
    cxy = _valid_filter(x * y, w) - mx * my
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    luminance = (2 * mx * my + c1) / (mx**2 + my**2 + c1)
    cs = (2 * cxy + c2) / (vx + vy + c2)
    return luminance, cs


def _channels(a):
    a = np.asarray(a, np.float64)
    return [a[..., c] for c in range(a.shape[-1])]


def reference_ssim(
    y_true, y_pred, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03, spatial_dims=2
):
    out = []
    for t, p in zip(np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64)):
        maps = [
            np.mean(np.prod(_maps(tc, pc, max_val, filter_size, filter_sigma, k1, k2), axis=0))
            for tc, pc in zip(_channels(t), _channels(p))
        ]
        out.append(np.mean(maps))
    return np.array(out)


def _halve(image):
    """tf.image.ssim_multiscale's step: repeat the last sample of odd axes, then 2x mean pool."""
    for axis in range(image.ndim):
        if image.shape[axis] % 2:
            pad = [(0, 0)] * image.ndim
            pad[axis] = (0, 1)
            image = np.pad(image, pad, mode="symmetric")
        shape = list(image.shape)
        shape[axis : axis + 1] = [shape[axis] // 2, 2]
        image = image.reshape(shape).mean(axis=axis + 1)
    return image


def reference_ms_ssim(
    y_true,
    y_pred,
    max_val=1.0,
    power_factors=POWER_FACTORS,
    filter_size=11,
    filter_sigma=1.5,
    k1=0.01,
    k2=0.03,
    spatial_dims=2,
):
    out = []
    for t, p in zip(np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64)):
        per_channel = []
        for x, y in zip(_channels(t), _channels(p)):
            value = 1.0
            for scale, power in enumerate(power_factors):
                if scale:
                    x, y = _halve(x), _halve(y)
                luminance, cs = _maps(x, y, max_val, filter_size, filter_sigma, k1, k2)
                term = np.mean(luminance * cs) if scale == len(power_factors) - 1 else np.mean(cs)
                value *= max(term, 0.0) ** power if power else 1.0
            per_channel.append(value)
        out.append(np.mean(per_channel))
    return np.array(out)


def reference_psnr(y_true, y_pred, max_val=1.0):
    d = np.asarray(y_true, np.float64) - np.asarray(y_pred, np.float64)
    mse = np.mean(d.reshape(d.shape[0], -1) ** 2, axis=1)
    return 10.0 * np.log10(max_val**2 / np.maximum(mse, 1e-10 * max_val**2))


def reference_charbonnier(y_true, y_pred, epsilon=1e-3):
    d = np.asarray(y_true, np.float64) - np.asarray(y_pred, np.float64)
    return np.mean(np.sqrt(d.reshape(d.shape[0], -1) ** 2 + epsilon**2), axis=1)


def reference_total_variation(y_pred, spatial_dims=2):
    y = np.asarray(y_pred, np.float64)
    return sum(
        np.abs(np.diff(y, axis=a)).reshape(y.shape[0], -1).sum(axis=1) for a in range(1, spatial_dims + 1)
    )


def reference_ms_ssim_l1(
    y_true,
    y_pred,
    alpha=0.84,
    max_val=1.0,
    power_factors=POWER_FACTORS,
    filter_size=11,
    filter_sigma=1.5,
    spatial_dims=2,
):
    scales = len(power_factors)
    size = (filter_size - 1) * 2 ** (scales - 1) + 1
    window = gaussian_window(size, filter_sigma * 2 ** (scales - 1))
    d = np.abs(np.asarray(y_true, np.float64) - np.asarray(y_pred, np.float64))
    l1 = np.array([np.mean([np.mean(_valid_filter(c, window)) for c in _channels(img)]) for img in d])
    ms = reference_ms_ssim(
        y_true, y_pred, max_val, power_factors, filter_size, filter_sigma, spatial_dims=spatial_dims
    )
    return alpha * (1.0 - ms) + (1.0 - alpha) * l1 / max_val
