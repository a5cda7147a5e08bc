"""Contract cases of the robust pixel losses (Barron and its special cases) and the focal frequency loss.

The focal frequency loss is a 2D transform: volumes are refused, so its cases cover 2D images and
sequences only; its per-image values are independent of the batch with the default
`ave_spectrum=False, batch_matrix=False`, which the case uses, and its `patch_factor` is 1 (the
fuzz tests draw sizes such as 16 x 17; tests/restoration/test_frequency.py covers the patches).
"""

import math

from imagelosses import BarronLoss, CauchyLoss, FocalFrequencyLoss, GemanMcClureLoss, WelschLoss
from tests.contract.case import Case
from tests.reference.restoration import reference_barron, reference_focal_frequency_per_image

CASES = [
    Case(
        name="barron_alpha_0.5_scale_0.2",
        loss="BarronLoss",
        make=lambda **layout: BarronLoss(alpha=0.5, scale=0.2, **layout),
        reference=lambda t, p, d: reference_barron(t, p, alpha=0.5, scale=0.2),
        channels=2,
    ),
    Case(
        name="welsch_scale_0.3",
        loss="WelschLoss",
        make=lambda **layout: WelschLoss(scale=0.3, **layout),
        reference=lambda t, p, d: reference_barron(t, p, alpha=-math.inf, scale=0.3),
        bounds=(0.0, 1.0),
    ),
    Case(
        name="cauchy",
        loss="CauchyLoss",
        make=lambda **layout: CauchyLoss(**layout),
        reference=lambda t, p, d: reference_barron(t, p, alpha=0.0),
    ),
    Case(
        name="geman_mcclure_scale_0.5",
        loss="GemanMcClureLoss",
        make=lambda **layout: GemanMcClureLoss(scale=0.5, **layout),
        reference=lambda t, p, d: reference_barron(t, p, alpha=-2.0, scale=0.5),
        bounds=(0.0, 2.0),
    ),
    Case(
        name="focal_frequency_alpha_1.5_log",
        loss="FocalFrequencyLoss",
        make=lambda **layout: FocalFrequencyLoss(alpha=1.5, log_matrix=True, **layout),
        reference=lambda t, p, d: reference_focal_frequency_per_image(t, p, alpha=1.5, log_matrix=True),
        channels=2,
        dims=("2d", "sequence"),
    ),
]
