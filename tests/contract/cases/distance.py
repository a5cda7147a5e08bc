"""Contract cases of the distance-map losses (boundary loss, Hausdorff-distance loss).

Small images (8x8, volumes 4x4x4) keep the suite short; values against `tests/reference/distance`
(scipy's `distance_transform_edt` in float64); the plain softmax boundary loss is checked against
its reference in tests/distance.
"""

from imagelosses import BoundaryLoss, HausdorffDTLoss
from tests.contract.case import Case
from tests.contract.cases.segmentation import BINARY, LOGITS, PROBS, VOID, data
from tests.reference import distance as ref

SMALL = dict(size=8)

CASES = [
    Case(
        name="boundary_logits_void_spacing",
        loss="BoundaryLoss",
        channels=3,
        bounds=(-float("inf"), float("inf")),
        make=lambda **layout: BoundaryLoss(
            from_logits=True, ignore_class=VOID, spacing=0.5, include_background=True, **layout
        ),
        reference=lambda t, p, d: ref.reference_boundary_loss(
            t, p, d, from_logits=True, ignore_class=VOID, spacing=0.5, include_background=True
        ),
        data=data(3, logits=True, void=True),
        **LOGITS,
        **SMALL,
    ),
    Case(
        name="hausdorff_dt_softmax_integer_labels",
        loss="HausdorffDTLoss",
        channels=3,
        make=lambda **layout: HausdorffDTLoss(**layout),
        extra={"thresholds_prediction": True},
        reference=lambda t, p, d: ref.reference_hausdorff_dt_loss(t, p, d),
        data=data(3),
        **PROBS,
        **SMALL,
    ),
    Case(
        name="hausdorff_dt_binary_log_weights",
        loss="HausdorffDTLoss",
        make=lambda **layout: HausdorffDTLoss(log=True, alpha=1.0, **layout),
        extra={"thresholds_prediction": True},
        reference=lambda t, p, d: ref.reference_hausdorff_dt_loss(t, p, d, log=True, alpha=1.0),
        data=data(1),
        **BINARY,
        **SMALL,
    ),
]
