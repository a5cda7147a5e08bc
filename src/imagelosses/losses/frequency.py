"""The focal frequency loss of Jiang, Dai, Wu and Loy (ICCV 2021), for 2D images.

`(y_true, y_pred)` are images `(B, H, W, C)` or sequences `(B, T, H, W, C)` with `spatial_dims=2`
(channels_first likewise); 3D volumes are refused (the loss is a 2D Fourier transform). Each image
is cut into `patch_factor x patch_factor` patches; each patch and channel gets its orthonormal 2D
DFT `F` (`keras.ops.fft2` over the last two axes of the channels_first view, times
`1 / sqrt(h w)`), and with `dF = F(y_pred) - F(y_true)` at every frequency:

    w    = |dF|**alpha            (log_matrix: log(1 + w))
    w    = w / max(w)             over the patch's frequencies (batch_matrix: over the whole batch)
    w    = clip(w, 0, 1), NaN -> 0, and not differentiated (`ops.stop_gradient`)
    loss = mean over patches, channels and frequencies of w * |dF|**2

`dF` is computed as `F(y_pred - y_true)` (the transform is linear; one FFT instead of two, and no
cancellation between two large DC terms). A spectrum with `dF = 0` everywhere gives `0 / 0` weights,
set to 0 as the authors do: identical images score 0 with a zero gradient.

Against the authors' package (`focal_frequency_loss` 0.3.0, on GitHub at
EndlessSora/focal-frequency-loss), whose `FocalFrequencyLoss()(pred, target)` is one number for the
batch `(N, C, H, W)`: the values here are one per image, defined so that their mean over the batch
is the authors' number.
With the default `ave_spectrum=False, batch_matrix=False` the authors' weights are normalised per
image, patch and channel, so an image's value here is the authors' loss of that image alone. With
`batch_matrix=True` the weights are divided by the largest over the batch, and with
`ave_spectrum=True` the spectra are averaged over the batch first (every image then gets that one
batch value): an image's value then depends on the other images of its batch, and a zero
`sample_weight` does not remove an image's influence. For sequences the frames are the samples:
averages and maxima over the batch run over every frame of every sequence. The authors'
`loss_weight` is `loss_weight * FocalFrequencyLoss()` here, and their predefined `matrix` argument
is not offered.
"""

from __future__ import annotations

import math

from keras import ops

from imagelosses import _checks
from imagelosses._reduce import max_over, mean_over
from imagelosses._registry import register_loss
from imagelosses._shapes import Layout, image_pair
from imagelosses._types import Tensor
from imagelosses.losses.base import Loss


def _check_inputs(y_pred, layout: Layout, patch_factor: int) -> None:
    if layout.spatial_dims != 2:
        raise ValueError(
            "Invalid value for argument `spatial_dims`. Expected 2: the focal frequency loss is a 2D "
            "Fourier transform, defined for images (B, H, W, C) and sequences (B, T, H, W, C). "
            f"Received: y_pred.shape={tuple(y_pred.shape)}, {layout.describe()}"
        )
    sizes = [y_pred.shape[axis] for axis in layout.spatial_axes]
    if any(s is None for s in sizes):
        raise ValueError(
            "Invalid shape for `y_pred`. Expected a known height and width (the FFT's sizes). "
            f"Received: y_pred.shape={tuple(y_pred.shape)} ({layout.data_format})"
        )
    if any(s % patch_factor for s in sizes):
        raise ValueError(
            "Invalid value for argument `patch_factor`. Expected a divisor of the image height and "
            f"width {tuple(sizes)}. Received: patch_factor={patch_factor} for "
            f"y_pred.shape={tuple(y_pred.shape)} ({layout.data_format})"
        )


def _patches(x, layout: Layout, patch_factor: int):
    """`(*samples, C, H, W)` -> `(*samples, C, p, p, H / p, W / p)`: the patches, row by row."""
    if patch_factor == 1:
        return x
    ns = layout.num_sample_axes
    height, width = x.shape[-2], x.shape[-1]
    lead = [ops.shape(x)[i] for i in range(ns + 1)]  # the sample axes (maybe None) and channels
    shape = lead + [patch_factor, height // patch_factor, patch_factor, width // patch_factor]
    perm = list(range(ns + 1)) + [ns + 1, ns + 3, ns + 2, ns + 4]
    return ops.transpose(ops.reshape(x, shape), perm)


def _spectrum_weight(distance, alpha: float, log_matrix: bool, batch_matrix: bool):
    """The authors' spectrum weight matrix from `|dF|**2`, in [0, 1], without a gradient."""
    distance = ops.stop_gradient(distance)
    weight = ops.power(ops.sqrt(distance), alpha)
    if log_matrix:
        weight = ops.log1p(weight)
    # initial=0 changes no maximum of the weights (>= 0) and gives an empty batch one
    axes = None if batch_matrix else (-2, -1)
    largest = max_over(weight, axis=axes, keepdims=not batch_matrix, initial=0.0)
    weight = weight / largest
    weight = ops.where(ops.isnan(weight), 0.0, weight)  # 0 / 0: a spectrum with dF = 0 everywhere
    return ops.stop_gradient(ops.clip(weight, 0.0, 1.0))


@_checks.options(
    alpha=_checks.non_negative(),
    patch_factor=_checks.whole(1),
    ave_spectrum=_checks.flag,
    log_matrix=_checks.flag,
    batch_matrix=_checks.flag,
    **_checks.LAYOUT,
)
def focal_frequency_loss(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    alpha: float = 1.0,
    patch_factor: int = 1,
    ave_spectrum: bool = False,
    log_matrix: bool = False,
    batch_matrix: bool = False,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Focal frequency loss: the spectrum error, weighted towards the frequencies that are hardest.

    The formula, and how the per-image values relate to the authors' one number per batch, are in
    the module docstring (`imagelosses.losses.frequency`).

    Args:
        alpha: >= 0, the exponent of the spectrum weight `|dF|**alpha` (0: unweighted, a plain
            mean squared spectrum error, which by Parseval is the mean squared error).
        patch_factor: integer >= 1 dividing the height and the width: the images are cut into
            `patch_factor**2` patches, each transformed on its own.
        ave_spectrum: average the spectra over the batch before the loss (every image then gets
            the batch's value).
        log_matrix: use `log(1 + |dF|**alpha)` as the weight before normalising it.
        batch_matrix: normalise the weights by their maximum over the batch, not per image,
            patch and channel (an image's value then depends on its batch).

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences, >= 0; their mean over the batch is the authors'
        loss of the batch.

    Raises:
        TypeError: an option of the wrong type or an input of a non-real dtype.
        ValueError: a 3D input (`spatial_dims=3`), a `patch_factor` that does not divide the
            height and width, an option outside its range, or inputs of the wrong rank or
            mismatched shapes; the message names the argument and what was received.

    References:
        Jiang, Dai, Wu, Loy, "Focal Frequency Loss for Image Reconstruction and Synthesis",
        ICCV 2021; equal to the authors' `focal_frequency_loss` 0.3.0 (PyTorch).

    Example:
        >>> y_true = np.zeros((2, 8, 8, 1), "float32")
        >>> y_pred = np.zeros((2, 8, 8, 1), "float32")
        >>> y_pred[1, 0, 0, 0] = 8.0  # an impulse: a flat spectrum of |dF| = 8 / sqrt(64) = 1
        >>> tuple(round(float(v), 4) for v in imagelosses.focal_frequency_loss(y_true, y_pred))
        (0.0, 1.0)
    """
    y_true, y_pred, layout = image_pair(y_true, y_pred, data_format=data_format, spatial_dims=spatial_dims)
    _check_inputs(y_pred, layout, patch_factor)
    if 0 in y_pred.shape[: layout.num_sample_axes]:  # a static empty batch: torch's FFT (MKL) refuses it
        return layout.per_sample_mean(y_pred - y_true)  # its empty `(0,)` or `(B, 0)` values
    error = _patches(layout.channels_first_view(y_pred - y_true), layout, patch_factor)
    height, width = error.shape[-2], error.shape[-1]
    error = error * (1.0 / math.sqrt(height * width))  # the orthonormal DFT
    real, imag = ops.fft2((error, ops.zeros_like(error)))
    samples = tuple(range(layout.num_sample_axes))
    if ave_spectrum:
        real, imag = (mean_over(part, axis=samples, keepdims=True) for part in (real, imag))
    distance = ops.square(real) + ops.square(imag)
    values = layout.per_sample_mean(_spectrum_weight(distance, alpha, log_matrix, batch_matrix) * distance)
    if ave_spectrum:  # the batch's one value, for every image
        values = ops.broadcast_to(values, [ops.shape(y_pred)[i] for i in samples])
    return values


@register_loss
class FocalFrequencyLoss(Loss, fn=focal_frequency_loss):
    """Focal frequency loss (Jiang et al. 2021), per image; the batch mean is the authors' loss."""
