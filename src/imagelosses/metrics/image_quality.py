"""Image-quality metrics: running weighted means of per-image SSIM, MS-SSIM, PSNR and other indices.

Each metric computes one value per image with its function (`imagelosses.ssim`, `ms_ssim`,
`psnr`, `vif_p`, `uqi`, `spectral_angle_mapper`, `ergas`; sequences `(B, T, ...)` are first
averaged over their frames) and keeps the sums `total = sum(w_i v_i)` and `count = sum(w_i)`
over every batch seen (`keras.metrics.Mean`), so `result() = total / count` is the mean over all
images, whatever the batch sizes, weighted by `sample_weight` (one weight per image; default 1).
Options are stored once and serialized.
"""

from __future__ import annotations

import inspect

import keras
from keras import ops

from imagelosses import _checks
from imagelosses._registry import register_metric
from imagelosses.losses.base import _resolved, config_values
from imagelosses.structural.gmsd import gmsd, ms_gmsd
from imagelosses.structural.psnr import psnr
from imagelosses.structural.quality import ergas, spectral_angle_mapper, uqi, vif_p
from imagelosses.structural.ssim import ms_ssim, ssim


class _PerImageMean(keras.metrics.Mean):
    """A running weighted mean of `fn(y_true, y_pred, **options)` over every image seen.

    Derived from its function like the losses: `class SSIM(_PerImageMean, fn=ssim, name="ssim")`
    takes exactly the function's options (checked at construction, `data_format` resolved).
    """

    fn = None

    def __init_subclass__(cls, fn=None, name=None, **kwargs):
        super().__init_subclass__(**kwargs)
        if fn is None:
            return
        cls.fn = staticmethod(fn)
        params = list(_checks.keyword_options(fn).values())
        keras_params = [
            inspect.Parameter("name", inspect.Parameter.KEYWORD_ONLY, default=name),
            inspect.Parameter("dtype", inspect.Parameter.KEYWORD_ONLY, default=None),
        ]

        def __init__(self, *, name=name, dtype=None, **options):
            _PerImageMean.__init__(self, name=name, dtype=dtype, **options)

        __init__.__signature__ = inspect.Signature(
            [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD), *params, *keras_params]
        )
        __init__.__qualname__ = f"{cls.__qualname__}.__init__"
        cls.__init__ = __init__

    def __init__(self, name=None, dtype=None, **options):
        super().__init__(name=name, dtype=dtype)
        self.options = config_values(_resolved(type(self).fn.check_options(**options)))

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = type(self).fn(y_true, y_pred, **self.options)
        if len(values.shape) > 1:  # sequences: one value per sample, the mean over its frames
            values = ops.mean(values, axis=tuple(range(1, len(values.shape))))
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, **self.options}


@register_metric
class SSIM(_PerImageMean, fn=ssim, name="ssim"):
    """Mean SSIM over every image seen; options of `imagelosses.ssim`."""


@register_metric
class MSSSIM(_PerImageMean, fn=ms_ssim, name="ms_ssim"):
    """Mean MS-SSIM over every image seen; options of `imagelosses.ms_ssim`."""


@register_metric
class PSNR(_PerImageMean, fn=psnr, name="psnr"):
    """Mean PSNR (dB) over every image seen, each capped at 100 dB; options of `imagelosses.psnr`."""


@register_metric
class VIF(_PerImageMean, fn=vif_p, name="vif"):
    """Mean pixel-domain VIF over every image seen; options of `imagelosses.vif_p`."""


@register_metric
class UQI(_PerImageMean, fn=uqi, name="uqi"):
    """Mean universal image quality index over every image seen; options of `imagelosses.uqi`."""


@register_metric
class SAM(_PerImageMean, fn=spectral_angle_mapper, name="sam"):
    """Mean spectral angle (radians) over every image seen; options of
    `imagelosses.spectral_angle_mapper`."""


@register_metric
class ERGAS(_PerImageMean, fn=ergas, name="ergas"):
    """Mean ERGAS over every image seen; options of `imagelosses.ergas`."""


@register_metric
class GMSD(_PerImageMean, fn=gmsd, name="gmsd"):
    """Mean GMSD over every image seen (lower is better); options of `imagelosses.gmsd`."""


@register_metric
class MSGMSD(_PerImageMean, fn=ms_gmsd, name="ms_gmsd"):
    """Mean multi-scale GMSD over every image seen (lower is better); options of `imagelosses.ms_gmsd`."""
