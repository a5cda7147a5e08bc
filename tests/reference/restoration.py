"""float64 references for the robust pixel losses and the focal frequency loss, from their definitions.

numpy only, never the library. `reference_barron` is the formula of Barron (CVPR 2019), eq. 1 and
its limits, written directly (no expm1/log1p rearrangement), on channels_last arrays
`(N, *spatial, C)`. `reference_focal_frequency` follows the definition of the authors' package
`focal_frequency_loss` 0.3.0 (EndlessSora/focal-frequency-loss) step by step, on `(N, C, H, W)`
arrays like theirs, and returns their one number per batch.
"""

from __future__ import annotations

import math

import numpy as np


def barron_rho(x, alpha, scale=1.0):
    """Barron's rho(x, alpha, c) per element, in float64."""
    z = (np.asarray(x, np.float64) / scale) ** 2
    if alpha == -math.inf:
        return 1.0 - np.exp(-0.5 * z)
    if alpha == 0.0:
        return np.log(0.5 * z + 1.0)
    if alpha == 2.0:
        return 0.5 * z
    b = abs(alpha - 2.0)
    return b / alpha * ((z / b + 1.0) ** (alpha / 2.0) - 1.0)


def barron_psi(x, alpha, scale=1.0):
    """d rho / dx per element (Barron's eq. 12), in float64."""
    x = np.asarray(x, np.float64)
    z = (x / scale) ** 2
    if alpha == -math.inf:
        return x / scale**2 * np.exp(-0.5 * z)
    if alpha == 0.0:
        return 2.0 * x / (x**2 + 2.0 * scale**2)
    if alpha == 2.0:
        return x / scale**2
    b = abs(alpha - 2.0)
    return x / scale**2 * (z / b + 1.0) ** (alpha / 2.0 - 1.0)


def reference_barron(y_true, y_pred, alpha=1.0, scale=1.0):
    """Per-sample mean over pixels and channels of rho(y_pred - y_true, alpha, scale): `(N,)`."""
    d = np.asarray(y_pred, np.float64) - np.asarray(y_true, np.float64)
    return barron_rho(d, alpha, scale).reshape(d.shape[0], -1).mean(axis=1)


def _spectra(x, patch_factor):
    """`(N, C, H, W)` -> `(N, P, C, h, w)` complex: the orthonormal 2D DFT of each patch, row by row."""
    n, c, h, w = x.shape
    ph, pw = h // patch_factor, w // patch_factor
    patches = [
        x[:, :, i * ph : (i + 1) * ph, j * pw : (j + 1) * pw]
        for i in range(patch_factor)
        for j in range(patch_factor)
    ]
    return np.fft.fft2(np.stack(patches, axis=1), norm="ortho")


def reference_focal_frequency(
    y_true, y_pred, alpha=1.0, patch_factor=1, ave_spectrum=False, log_matrix=False, batch_matrix=False
):
    """The authors' `FocalFrequencyLoss(...)(pred, target)` on `(N, C, H, W)` arrays: one number."""
    pred = _spectra(np.asarray(y_pred, np.float64), patch_factor)
    true = _spectra(np.asarray(y_true, np.float64), patch_factor)
    if ave_spectrum:
        pred, true = pred.mean(axis=0, keepdims=True), true.mean(axis=0, keepdims=True)
    distance = (pred.real - true.real) ** 2 + (pred.imag - true.imag) ** 2
    weight = np.sqrt(distance) ** alpha
    if log_matrix:
        weight = np.log(weight + 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        if batch_matrix:
            weight = weight / weight.max()
        else:
            weight = weight / weight.max(axis=(-2, -1), keepdims=True)
    weight = np.clip(np.nan_to_num(weight, nan=0.0), 0.0, 1.0)
    return float(np.mean(weight * distance))


def reference_focal_frequency_per_image(y_true, y_pred, **options):
    """channels_last `(N, H, W, C)` -> `(N,)`: the authors' loss of each image alone (a batch of one)."""
    t = np.moveaxis(np.asarray(y_true, np.float64), -1, 1)
    p = np.moveaxis(np.asarray(y_pred, np.float64), -1, 1)
    return np.array([reference_focal_frequency(t[i : i + 1], p[i : i + 1], **options) for i in range(len(t))])


def focal_frequency_gradient(y_true, y_pred, alpha=1.0):
    """d sum_n(loss_n) / d y_pred for `(N, C, H, W)`, patch_factor 1, the weights held fixed.

    With `w` a constant and `F` unitary, `d/dx mean(w |F x|^2) = 2 Re(F^H (w F x)) / M`, `M` the
    number of terms of the mean (C H W per image).
    """
    d = np.asarray(y_pred, np.float64) - np.asarray(y_true, np.float64)
    spectrum = np.fft.fft2(d, norm="ortho")
    distance = np.abs(spectrum) ** 2
    weight = np.sqrt(distance) ** alpha
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = np.nan_to_num(weight / weight.max(axis=(-2, -1), keepdims=True), nan=0.0)
    m = np.prod(d.shape[1:])
    return 2.0 * np.fft.ifft2(weight * spectrum, norm="ortho").real / m
