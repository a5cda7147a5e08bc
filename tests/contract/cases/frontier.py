"""Contract cases of the newer segmentation losses (MCC, TopK, the Dice + CE / focal presets,
clDice, the unified focal loss, the Wasserstein Dice loss and deep supervision).

Small images (8x8, volumes 4x4x4) keep the suite short; values against `tests/reference/frontier`.
"""

from imagelosses import DiceCELoss, DiceFocalLoss, MCCLoss, TopKCrossEntropyLoss
from tests.contract.case import Case
from tests.contract.cases.segmentation import BINARY, LOGITS, PROBS, VOID, data
from tests.reference import frontier as ref

SMALL = dict(size=8)

CASES = [
    Case(
        name="mcc_softmax_integer_labels", loss="MCCLoss", channels=3, bounds=(0.0, 2.0),
        make=lambda **layout: MCCLoss(**layout),
        reference=lambda t, p, d: ref.reference_mcc_loss(t, p),
        data=data(3), **PROBS, **SMALL,
    ),
    Case(
        name="top_k_ce_logits_void", loss="TopKCrossEntropyLoss", channels=3,
        make=lambda **layout: TopKCrossEntropyLoss(k=20, from_logits=True, ignore_class=VOID,
                                                   **layout),
        reference=lambda t, p, d: ref.reference_top_k_loss(t, p, k=20, from_logits=True,
                                                            ignore_class=VOID),
        data=data(3, logits=True, void=True), **LOGITS, **SMALL,
    ),
    Case(
        name="dice_ce_logits", loss="DiceCELoss", channels=3,
        make=lambda **layout: DiceCELoss(from_logits=True, **layout),
        reference=lambda t, p, d: ref.reference_dice_ce_loss(t, p, from_logits=True),
        data=data(3, logits=True), **LOGITS, **SMALL,
    ),
    Case(
        name="dice_focal_binary", loss="DiceFocalLoss",
        make=lambda **layout: DiceFocalLoss(lambda_dice=0.5, **layout),
        reference=lambda t, p, d: ref.reference_dice_focal_loss(t, p, lambda_dice=0.5),
        data=data(1), **BINARY, **SMALL,
    ),
]
