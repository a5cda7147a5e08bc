"""Contract cases of the GMSD losses (`GMSDLoss`, `MSGMSDLoss`): 2D images and sequences only.

GMSD is defined for 2D images (3D volumes raise), with one (grey) or three (RGB) channels. The
four default scales of MS-GMSD need 17 samples per side, so its default case runs at 20; a
three-scale case (9 per side) runs at the suite's 16. GMSD of RGB images and other options are
tested in tests/structural/test_gmsd.py.
"""

from imagelosses import GMSDLoss, MSGMSDLoss
from tests.contract.case import Case
from tests.reference.quality import reference_gmsd, reference_ms_gmsd

THREE_SCALES = dict(scale_weights=(0.2, 0.5, 0.3), alpha=0.3, max_val=2.0)

CASES = [
    Case(
        name="gmsd_grey",
        loss="GMSDLoss",
        make=lambda **layout: GMSDLoss(**layout),
        reference=lambda t, p, d: reference_gmsd(t, p),
        dims=("2d", "sequence"),
        bounds=(0.0, 0.5),
    ),
    Case(
        name="ms_gmsd_rgb_chromatic",
        loss="MSGMSDLoss",
        make=lambda **layout: MSGMSDLoss(chromatic=True, **layout),
        reference=lambda t, p, d: reference_ms_gmsd(t, p, chromatic=True),
        channels=3,
        dims=("2d", "sequence"),
        size=20,
    ),
    Case(
        name="ms_gmsd_grey_three_scales_max_val_2",
        loss="MSGMSDLoss",
        make=lambda **layout: MSGMSDLoss(**THREE_SCALES, **layout),
        reference=lambda t, p, d: reference_ms_gmsd(
            t, p, scale_weights=(0.2, 0.5, 0.3), alpha=0.3, data_range=2.0
        ),
        dims=("2d", "sequence"),
        bounds=(0.0, 0.5),
    ),
]
