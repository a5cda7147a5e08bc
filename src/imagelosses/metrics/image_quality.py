"""Image-quality metrics: running weighted means of per-image SSIM, MS-SSIM and PSNR.

Each metric computes one value per image with its function (`imagelosses.ssim`, `ms_ssim`,
`psnr`; sequences `(B, T, ...)` are first averaged over their frames) and keeps the sums
`total = sum(w_i v_i)` and `count = sum(w_i)` over every batch seen (`keras.metrics.Mean`), so
`result() = total / count` is the mean over all images, whatever the batch sizes, weighted by
`sample_weight` (one weight per image; default 1). Options are stored once and serialized.
"""

from __future__ import annotations

import keras
from keras import ops

from imagelosses._registry import register_metric
from imagelosses.structural.psnr import psnr
from imagelosses.structural.ssim import MS_SSIM_POWER_FACTORS, ms_ssim, ssim


class _PerImageMean(keras.metrics.Mean):
    """A running weighted mean of `fn(y_true, y_pred, **options)` over every image seen."""

    fn = None

    def __init__(self, name=None, dtype=None, **options):
        super().__init__(name=name, dtype=dtype)
        self.options = options

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = type(self).fn(y_true, y_pred, **self.options)
        if len(values.shape) > 1:  # sequences: one value per sample, the mean over its frames
            values = ops.mean(values, axis=tuple(range(1, len(values.shape))))
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, **self.options}


@register_metric
class SSIM(_PerImageMean):
    """Mean SSIM over every image seen; options of `imagelosses.ssim`."""

    fn = staticmethod(ssim)

    def __init__(self, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
                 data_format=None, spatial_dims=None, name="ssim", dtype=None):
        super().__init__(name=name, dtype=dtype, max_val=max_val, filter_size=filter_size,
                         filter_sigma=filter_sigma, k1=k1, k2=k2, data_format=data_format,
                         spatial_dims=spatial_dims)


@register_metric
class MSSSIM(_PerImageMean):
    """Mean MS-SSIM over every image seen; options of `imagelosses.ms_ssim`."""

    fn = staticmethod(ms_ssim)

    def __init__(self, max_val=1.0, power_factors=MS_SSIM_POWER_FACTORS, filter_size=11,
                 filter_sigma=1.5, k1=0.01, k2=0.03, data_format=None, spatial_dims=None,
                 name="ms_ssim", dtype=None):
        super().__init__(name=name, dtype=dtype, max_val=max_val, power_factors=list(power_factors),
                         filter_size=filter_size, filter_sigma=filter_sigma, k1=k1, k2=k2,
                         data_format=data_format, spatial_dims=spatial_dims)


@register_metric
class PSNR(_PerImageMean):
    """Mean PSNR (dB) over every image seen, each capped at 100 dB; options of `imagelosses.psnr`."""

    fn = staticmethod(psnr)

    def __init__(self, max_val=1.0, data_format=None, spatial_dims=None, name="psnr", dtype=None):
        super().__init__(name=name, dtype=dtype, max_val=max_val, data_format=data_format,
                         spatial_dims=spatial_dims)
