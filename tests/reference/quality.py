"""float64 references for GMSD and MS-GMSD, as piq 0.8.0 defines them (`piq/gmsd.py`).

piq cannot be imported here (it needs torchvision), so these follow its definition step by step,
written with numpy and scipy.ndimage only, one image at a time, never the library: piq's own
padding (both axes padded by `max(H % 2, W % 2)` zeros at the end before a 2x2 average pool with
floor), its 3x3 Prewitt kernels over 3 as full 2D correlations with zero padding, and its scales
(`multi_scale_gmsd` works on a 0-255 scale with `t=170`). Inputs are channels_last numpy arrays
`(N, H, W, C)`; outputs one float64 value per image.
"""

from __future__ import annotations

import numpy as np
import scipy.ndimage as ndi

RGB_TO_YIQ = np.array([[0.299, 0.587, 0.114], [0.5959, -0.2746, -0.3213], [0.2115, -0.5227, 0.3112]])
PREWITT_W = np.array([[-1.0, 0.0, 1.0]] * 3) / 3.0  # d/dW; its transpose is d/dH
SCALE_WEIGHTS = (0.096, 0.596, 0.289, 0.019)


def _pool(image):
    """piq: pad `max(H % 2, W % 2)` zeros after the last row and column, then 2x2 mean, floor."""
    pad = max(image.shape[0] % 2, image.shape[1] % 2)
    image = np.pad(image, [(0, pad), (0, pad)] + [(0, 0)] * (image.ndim - 2))
    h, w = image.shape[0] // 2, image.shape[1] // 2
    image = image[: 2 * h, : 2 * w]
    return image.reshape(h, 2, w, 2, *image.shape[2:]).mean(axis=(1, 3))


def _magnitude(image):
    gx = ndi.correlate(image, PREWITT_W, mode="constant")
    gy = ndi.correlate(image, PREWITT_W.T, mode="constant")
    return np.sqrt(gx**2 + gy**2)


def _deviation(x, y, t, alpha):
    """piq's `_gmsd` on two 2D images: the population std of the similarity map."""
    a, b = _magnitude(x), _magnitude(y)
    gms = (2 * a * b - alpha * a * b + t) / (a**2 + b**2 - alpha * a * b + t)
    return np.sqrt(np.mean((gms - gms.mean()) ** 2))


def _luma_or_yiq(image):
    """`(H, W, C)` -> YIQ `(H, W, 3)` for RGB (C = 3), else the image unchanged."""
    return image @ RGB_TO_YIQ.T if image.shape[-1] == 3 else image


def reference_gmsd(y_true, y_pred, data_range=1.0, t=170 / 255**2):
    out = []
    for x, y in zip(np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64)):
        x, y = _luma_or_yiq(x / data_range)[..., 0], _luma_or_yiq(y / data_range)[..., 0]
        out.append(_deviation(_pool(x), _pool(y), t, alpha=0.0))
    return np.array(out)


def reference_ms_gmsd(
    y_true,
    y_pred,
    data_range=1.0,
    scale_weights=None,
    chromatic=False,
    alpha=0.5,
    beta1=0.01,
    beta2=0.32,
    beta3=15.0,
    t=170.0,
):
    """piq's `multi_scale_gmsd`: note `t` on the 0-255 scale, as piq takes it."""
    if scale_weights is None:
        weights = np.array(SCALE_WEIGHTS)
    else:
        weights = np.asarray(scale_weights, np.float64)
        weights = weights / weights.sum()
    out = []
    for x, y in zip(np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64)):
        x, y = _luma_or_yiq(x / data_range * 255), _luma_or_yiq(y / data_range * 255)
        squares = []
        for scale in range(len(weights)):
            if scale > 0:
                x, y = _pool(x), _pool(y)
            squares.append(_deviation(x[..., 0], y[..., 0], t, alpha) ** 2)
        score = np.sqrt(np.sum(weights * np.array(squares)))
        if chromatic:
            rmse_iq = np.sqrt(np.mean((x[..., 1:] - y[..., 1:]) ** 2, axis=(0, 1)))
            rmse = np.sqrt(np.sum(rmse_iq**2))
            gamma = 2 / (1 + beta2 * np.exp(-beta3 * score)) - 1
            score = gamma * score + (1 - gamma) * beta1 * rmse
        out.append(score)
    return np.array(out)
