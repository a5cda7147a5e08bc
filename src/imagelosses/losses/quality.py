"""Spectral losses: the spectral angle (SAM) as a training loss for multi- and hyperspectral images.

Of the quality indices of `imagelosses.structural.quality`, only the spectral angle is a common
training loss: hyperspectral restoration and pansharpening networks add it to an L1 or L2 term to
keep the shape of each pixel's spectrum, which a pixel loss alone does not constrain (a spectrum
scaled by 0.9 costs L1 but no angle). VIF, UQI and ERGAS are reported as metrics
(`imagelosses.metrics.VIF`, `UQI`, `ERGAS`) and have no loss class: VIF's masked windows and
UQI's `0 / eps` flat windows give no useful gradient, and ERGAS is a per-band relative RMSE that
an MSE loss already optimises.
"""

from __future__ import annotations

from imagelosses._registry import register_loss
from imagelosses.losses.base import Loss
from imagelosses.structural.quality import spectral_angle_mapper


@register_loss
class SAMLoss(Loss, fn=spectral_angle_mapper):
    """The mean spectral angle per image, in radians (`imagelosses.spectral_angle_mapper`); 0 for
    spectra of identical directions, finite gradients at angle 0 and at zero spectra. Combine it
    with a pixel loss (`0.1 * SAMLoss() + "mae"`): the angle ignores each spectrum's scale."""
