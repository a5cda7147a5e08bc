"""GMSD and MS-GMSD as losses: the indices themselves (0 for identical images, lower is better).

As piq's `GMSDLoss` and `MultiScaleGMSDLoss`, which return `gmsd` and `multi_scale_gmsd`
unchanged, each class calls its index function (`imagelosses.gmsd`, `imagelosses.ms_gmsd`, 2D
images and sequences only) and Keras applies `sample_weight` and the reduction.
"""

from __future__ import annotations

from imagelosses._registry import register_loss
from imagelosses.losses.base import Loss
from imagelosses.structural.gmsd import gmsd, ms_gmsd


@register_loss
class GMSDLoss(Loss, fn=gmsd):
    """Gradient Magnitude Similarity Deviation per image (`imagelosses.gmsd`), as piq's `GMSDLoss`."""


@register_loss
class MSGMSDLoss(Loss, fn=ms_gmsd):
    """Multi-scale GMSD per image (`imagelosses.ms_gmsd`), as piq's `MultiScaleGMSDLoss`."""
