"""Contract case of the spectral-angle loss (`SAMLoss`, `imagelosses.spectral_angle_mapper`).

The other quality indices (VIF-P, UQI, ERGAS) are metrics without a loss class; they are tested
in tests/structural/test_quality_indices.py.
"""

import math

from imagelosses import SAMLoss
from tests.contract.case import Case
from tests.reference.quality_indices import reference_sam

CASES = [
    Case(
        name="sam_three_bands",
        loss="SAMLoss",
        make=lambda **layout: SAMLoss(**layout),
        reference=lambda t, p, d: reference_sam(t, p),
        channels=3,
        bounds=(0.0, math.pi),
    ),
]
