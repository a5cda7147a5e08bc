"""float64 references for VIF-P, UQI, SAM and ERGAS, from their definitions (never the library).

numpy and scipy.ndimage, one image and channel at a time. Inputs are channels_last numpy arrays
`(N, *spatial, C)` (2D or 3D); outputs one float64 value per sample. The definitions are those
of Sheikh and Bovik (VIF-P, with the masks of their code as torchmetrics 1.9 applies them), Wang
and Bovik (UQI over Gaussian windows), Yuhas et al. (SAM) and Wald (ERGAS); the conventions
where the peers are undefined (zero spectra, flat references) are the library's documented ones.
"""

from __future__ import annotations

import numpy as np

from tests.reference.structural import _channels, _valid_filter, gaussian_window

VIF_EPS = 1e-10
UQI_EPS = float(np.finfo(np.float32).eps)


def _vif_channel(x, y, sigma_n_sq):
    received = sent = 0.0
    for scale in range(4):
        taps = 2 ** (4 - scale) + 1
        w = gaussian_window(taps, taps / 5.0)
        if scale > 0:
            down = tuple(slice(None, None, 2) for _ in range(x.ndim))
            x, y = _valid_filter(x, w)[down], _valid_filter(y, w)[down]
        mx, my = _valid_filter(x, w), _valid_filter(y, w)
        vx = np.maximum(_valid_filter(x * x, w) - mx**2, 0.0)
        vy = np.maximum(_valid_filter(y * y, w) - my**2, 0.0)
        cxy = _valid_filter(x * y, w) - mx * my
        g = cxy / (vx + VIF_EPS)
        sv = vy - g * cxy
        flat_x = vx < VIF_EPS
        g[flat_x], sv[flat_x], vx[flat_x] = 0.0, vy[flat_x], 0.0
        flat_y = vy < VIF_EPS
        g[flat_y], sv[flat_y] = 0.0, 0.0
        negative = g < 0
        sv[negative], g[negative] = vy[negative], 0.0
        sv = np.maximum(sv, VIF_EPS)
        received += np.sum(np.log10(1.0 + g**2 * vx / (sv + sigma_n_sq)))
        sent += np.sum(np.log10(1.0 + vx / sigma_n_sq))
    return received / sent if sent > 0 else 1.0


def reference_vif(y_true, y_pred, sigma_n_sq=2.0):
    return np.array(
        [
            np.mean([_vif_channel(tc, pc, sigma_n_sq) for tc, pc in zip(_channels(t), _channels(p))])
            for t, p in zip(np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64))
        ]
    )


def _uqi_channel(x, y, size, sigma):
    w = gaussian_window(size, sigma)
    mx, my = _valid_filter(x, w), _valid_filter(y, w)
    vx = _valid_filter(x * x, w) - mx**2
    vy = _valid_filter(y * y, w) - my**2
    cxy = _valid_filter(x * y, w) - mx * my
    return np.mean(4 * mx * my * cxy / ((mx**2 + my**2) * np.maximum(vx + vy, 0.0) + UQI_EPS))


def reference_uqi(y_true, y_pred, filter_size=11, filter_sigma=1.5):
    return np.array(
        [
            np.mean(
                [
                    _uqi_channel(tc, pc, filter_size, filter_sigma)
                    for tc, pc in zip(_channels(t), _channels(p))
                ]
            )
            for t, p in zip(np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64))
        ]
    )


def reference_sam(y_true, y_pred):
    """Mean per-pixel angle; pi / 2 where exactly one spectrum is zero, 0 where both are."""
    t, p = np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64)
    out = []
    for ti, pi in zip(t, p):
        nt, np_ = np.linalg.norm(ti, axis=-1), np.linalg.norm(pi, axis=-1)
        both = (nt > 0) & (np_ > 0)
        cosine = np.sum(ti * pi, axis=-1) / np.where(both, nt * np_, 1.0)
        angle = np.where(both, np.arccos(np.clip(cosine, -1.0, 1.0)), np.where(nt + np_ > 0, np.pi / 2, 0.0))
        out.append(np.mean(angle))
    return np.array(out)


def reference_ergas(y_true, y_pred, ratio=4.0):
    t, p = np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64)
    out = []
    for ti, pi in zip(t, p):
        spatial = tuple(range(ti.ndim - 1))
        rmse = np.sqrt(np.mean((pi - ti) ** 2, axis=spatial))
        mean = np.mean(ti, axis=spatial)
        out.append(100.0 / ratio * np.sqrt(np.mean((rmse / mean) ** 2)))
    return np.array(out)
