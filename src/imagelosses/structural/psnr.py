"""Peak signal-to-noise ratio, one value per image, finite for identical images."""

from __future__ import annotations

import math

from keras import ops

from imagelosses import _checks
from imagelosses._shapes import check_number, image_pair
from imagelosses._types import Tensor
from imagelosses.structural.ssim import check_integer_range

# The MSE is floored at this fraction of max_val**2, capping PSNR at 10 * log10(1e10) = 100 dB:
# identical images give 100, not inf, so batch means, gradients and JSON logs stay finite. A
# relative floor keeps PSNR unchanged when the images and `max_val` are scaled together.
PSNR_MSE_FLOOR = 1e-10


@_checks.options(max_val=_checks.positive(), **_checks.LAYOUT)
def psnr(
    y_true: Tensor,
    y_pred: Tensor,
    *,
    max_val: float = 1.0,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Peak signal-to-noise ratio in decibels: `10 log10(max_val**2 / max(mse, floor))`.

    `mse` is the mean squared difference over space and channels of each image, and
    `floor = PSNR_MSE_FLOOR * max_val**2` (1e-10 relative), so the value never exceeds 100 dB.
    Above the floor it equals `tf.image.psnr`, which returns inf for identical images.

    Args:
        y_true, y_pred: images of one shape, `(B, H, W, C)`, `(B, D, H, W, C)` or a sequence
            `(B, T, H, W, C)` with `spatial_dims=2` (channels_first likewise); computed in float32.
        max_val: the dynamic range of the images, > 0.

    Returns:
        float32 `(B,)`, or `(B, T)` for sequences, at most 100; NaN only where an input is NaN.

    Raises:
        ValueError: mismatched shapes, wrong rank, unknown layout options, `max_val <= 0`.
        TypeError: a non-numeric `max_val` or a non-real dtype.
    """
    max_val = check_number("max_val", max_val, minimum=0.0, exclusive=True)
    check_integer_range(y_true, y_pred, max_val)
    y_true, y_pred, layout = image_pair(y_true, y_pred, data_format=data_format, spatial_dims=spatial_dims)
    mse = layout.per_sample_mean(ops.square(y_true - y_pred))
    floor = PSNR_MSE_FLOOR * max_val**2
    # where, not maximum: keeps a NaN MSE NaN on every backend (the `0 * mse` term carries it).
    floored = ops.where(mse > floor, mse, floor) + 0.0 * mse
    return (10.0 / math.log(10.0)) * (2.0 * math.log(max_val) - ops.log(floored))
