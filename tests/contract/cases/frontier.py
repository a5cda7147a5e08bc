"""Contract cases of the newer segmentation losses (MCC, TopK, the Dice + CE / focal presets,
clDice, the unified focal loss, the Wasserstein Dice loss and deep supervision).

Small images (8x8, volumes 4x4x4) keep the suite short; values against `tests/reference/frontier`.
"""

from imagelosses import (
    AsymmetricUnifiedFocalLoss,
    DeepSupervision,
    DiceCELoss,
    DiceClDiceLoss,
    DiceFocalLoss,
    DiceLoss,
    GeneralizedWassersteinDiceLoss,
    MCCLoss,
    SoftClDiceLoss,
    TopKCrossEntropyLoss,
)
from tests.contract.case import Case
from tests.contract.cases.segmentation import BINARY, LOGITS, PROBS, VOID, data
from tests.reference import frontier as ref
from tests.reference import segmentation as seg_ref

SMALL = dict(size=8)

CASES = [
    Case(
        name="mcc_softmax_integer_labels",
        loss="MCCLoss",
        channels=3,
        bounds=(0.0, 2.0),
        make=lambda **layout: MCCLoss(**layout),
        reference=lambda t, p, d: ref.reference_mcc_loss(t, p),
        data=data(3),
        **PROBS,
        **SMALL,
    ),
    Case(
        name="top_k_ce_logits_void",
        loss="TopKCrossEntropyLoss",
        channels=3,
        make=lambda **layout: TopKCrossEntropyLoss(k=20, from_logits=True, ignore_class=VOID, **layout),
        reference=lambda t, p, d: ref.reference_top_k_loss(t, p, k=20, from_logits=True, ignore_class=VOID),
        data=data(3, logits=True, void=True),
        **LOGITS,
        **SMALL,
    ),
    Case(
        name="dice_ce_logits",
        loss="DiceCELoss",
        channels=3,
        make=lambda **layout: DiceCELoss(from_logits=True, **layout),
        reference=lambda t, p, d: ref.reference_dice_ce_loss(t, p, from_logits=True),
        data=data(3, logits=True),
        **LOGITS,
        **SMALL,
    ),
    Case(
        name="dice_focal_binary",
        loss="DiceFocalLoss",
        make=lambda **layout: DiceFocalLoss(lambda_dice=0.5, **layout),
        reference=lambda t, p, d: ref.reference_dice_focal_loss(t, p, lambda_dice=0.5),
        data=data(1),
        **BINARY,
        **SMALL,
    ),
    Case(
        name="soft_cldice_logits",
        loss="SoftClDiceLoss",
        channels=3,
        bounds=(0.0, 1.0),
        make=lambda **layout: SoftClDiceLoss(iters=2, from_logits=True, **layout),
        reference=lambda t, p, d: ref.reference_cldice_loss(t, p, iters=2, from_logits=True),
        data=data(3, logits=True),
        **LOGITS,
        **SMALL,
    ),
    Case(
        name="dice_cldice_binary",
        loss="DiceClDiceLoss",
        bounds=(0.0, 1.0),
        make=lambda **layout: DiceClDiceLoss(alpha=0.3, **layout),
        reference=lambda t, p, d: ref.reference_dice_cldice_loss(t, p, alpha=0.3),
        data=data(1),
        **BINARY,
        **SMALL,
    ),
    Case(
        name="unified_focal_binary",
        loss="AsymmetricUnifiedFocalLoss",
        make=lambda **layout: AsymmetricUnifiedFocalLoss(**layout),
        reference=lambda t, p, d: ref.reference_unified_focal_loss(t, p),
        data=data(1),
        **BINARY,
        **SMALL,
    ),
    Case(
        name="wasserstein_dice_gdl_logits",
        loss="GeneralizedWassersteinDiceLoss",
        channels=3,
        bounds=(0.0, 1.0),
        make=lambda **layout: GeneralizedWassersteinDiceLoss(
            distance_matrix=[[0.0, 1.0, 1.0], [1.0, 0.0, 0.5], [1.0, 0.5, 0.0]],
            weighting_mode="GDL",
            from_logits=True,
            **layout,
        ),
        reference=lambda t, p, d: ref.reference_wasserstein_dice_loss(
            t,
            p,
            distance_matrix=[[0.0, 1.0, 1.0], [1.0, 0.0, 0.5], [1.0, 0.5, 0.0]],
            weighting_mode="GDL",
            from_logits=True,
        ),
        data=data(3, logits=True),
        **LOGITS,
        **SMALL,
    ),
    Case(
        name="deep_supervision_one_output_dice",
        loss="DeepSupervision",
        channels=3,
        bounds=(0.0, 1.0),
        make=lambda **layout: DeepSupervision(DiceLoss(**layout)),
        reference=lambda t, p, d: seg_ref.reference_dice_loss(t, p),
        data=data(3),
        **PROBS,
        **SMALL,
    ),
]
