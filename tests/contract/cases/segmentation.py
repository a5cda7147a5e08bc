"""Contract cases of the segmentation losses: integer maps, one-hot labels, probabilities, logits.

`per_image=False` (batch statistics) is left to tests/segmentation: the contract's sample_weight
test assumes a zero-weight image cannot change the others' values. Void labels (255) are drawn
only past the first 4 rows, so the NaN-propagation test's pixel `(2, 3)` always counts;
the forgiven case keeps that pixel in a class that is not forgiven.
"""

import numpy as np

from imagelosses import (
    BoundaryWeightedBCEDiceLoss,
    CrossEntropyLoss,
    DiceLoss,
    FocalLoss,
    FocalTverskyLoss,
    ForgiveFalseNegatives,
    GeneralizedDiceLoss,
    JaccardLoss,
    LovaszHingeLoss,
    LovaszSoftmaxLoss,
    TverskyLoss,
)
from tests.contract.case import Case
from tests.reference import segmentation as ref

VOID = 255


def _labels(rng, shape, k, void):
    """Integer map `(N, *spatial, 1)` as float64, K >= 2 classes (or 0/1 for K = 1)."""
    labels = rng.integers(0, max(k, 2), shape[:-1] + (1,)).astype(np.float64)
    if void:
        mask = rng.random(labels.shape) < 0.15
        mask[:, :4] = False
        labels[mask] = VOID
    return labels


def _logits(rng, labels, k):
    noise = rng.normal(0.0, 1.5, labels.shape[:-1] + (k,))
    if k == 1:
        return noise + 2.0 * (labels == 1) - 1.0
    clean = np.clip(labels[..., 0], 0, k - 1).astype(int)
    return noise + 2.0 * np.eye(k)[clean]


def data(k, *, logits=False, void=False, onehot=False, weight_channel=False, keep=None):
    def make(rng, shape):
        labels = _labels(rng, shape, k, void)
        if keep is not None and labels.ndim == 4:  # 2D images (the NaN test)
            labels[:, 2, 3] = keep
        z = _logits(rng, labels, k)
        y_pred = z if logits else ref.probabilities(z, from_logits=True)
        y_true = np.eye(k)[labels[..., 0].astype(int)] if onehot else labels
        if weight_channel:
            y_true = np.concatenate([y_true, rng.uniform(0.5, 2.0, labels.shape)], axis=-1)
        return y_true, y_pred

    return make


def _weighted(reference, **options):
    """Reference of a loss with `weight_channel=True`: split the last channel off `y_true`."""
    return lambda t, p, d: reference(t[..., :-1], p, pixel_weights=t[..., -1], **options)


def _forgive_reference(t, p, d):
    forgiven = ref.reference_forgiven(t, p, classes=(0,))
    return ref.reference_dice_loss(t, forgiven)


PROBS = dict(head="softmax", prediction="probabilities")
BINARY = dict(channels=1, head="sigmoid", prediction="probabilities")
LOGITS = dict(head="linear", prediction="logits")

CASES = [
    Case(
        name="dice_softmax_integer_labels",
        loss="DiceLoss",
        channels=3,
        bounds=(0.0, 1.0),
        make=lambda **layout: DiceLoss(**layout),
        reference=lambda t, p, d: ref.reference_dice_loss(t, p),
        data=data(3),
        **PROBS,
    ),
    Case(
        name="dice_log_squared_logits_void",
        loss="DiceLoss",
        channels=3,
        bounds=(0.0, 16.2),
        make=lambda **layout: DiceLoss(log=True, squared=True, from_logits=True, ignore_class=VOID, **layout),
        reference=lambda t, p, d: ref.reference_dice_loss(
            t, p, log=True, squared=True, from_logits=True, ignore_class=VOID
        ),
        data=data(3, logits=True, void=True),
        **LOGITS,
    ),
    Case(
        name="dice_binary_small_smooth",
        loss="DiceLoss",
        bounds=(0.0, 1.0),
        make=lambda **layout: DiceLoss(smooth=1e-3, **layout),
        reference=lambda t, p, d: ref.reference_dice_loss(t, p, smooth=1e-3),
        data=data(1),
        **BINARY,
    ),
    Case(
        name="generalized_dice_onehot_no_background",
        loss="GeneralizedDiceLoss",
        channels=4,
        bounds=(0.0, 1.0),
        make=lambda **layout: GeneralizedDiceLoss(include_background=False, **layout),
        reference=lambda t, p, d: ref.reference_generalized_dice_loss(t, p, include_background=False),
        data=data(4, onehot=True),
        **PROBS,
    ),
    Case(
        name="jaccard_class_weights",
        loss="JaccardLoss",
        channels=3,
        bounds=(0.0, 1.0),
        make=lambda **layout: JaccardLoss(class_weights=[0.2, 1.0, 3.0], **layout),
        reference=lambda t, p, d: ref.reference_jaccard_loss(t, p, class_weights=[0.2, 1.0, 3.0]),
        data=data(3),
        **PROBS,
    ),
    Case(
        name="tversky_fn_heavy_void",
        loss="TverskyLoss",
        channels=3,
        bounds=(0.0, 1.0),
        make=lambda **layout: TverskyLoss(alpha=0.3, beta=0.7, ignore_class=[VOID, -1], **layout),
        reference=lambda t, p, d: ref.reference_tversky_loss(
            t, p, alpha=0.3, beta=0.7, ignore_class=[VOID, -1]
        ),
        data=data(3, void=True),
        **PROBS,
    ),
    Case(
        name="focal_tversky_binary",
        loss="FocalTverskyLoss",
        bounds=(0.0, 1.0),
        make=lambda **layout: FocalTverskyLoss(**layout),
        reference=lambda t, p, d: ref.reference_focal_tversky_loss(t, p),
        data=data(1),
        **BINARY,
    ),
    Case(
        name="focal_softmax_logits_alpha_void",
        loss="FocalLoss",
        channels=3,
        make=lambda **layout: FocalLoss(alpha=0.25, from_logits=True, ignore_class=VOID, **layout),
        reference=lambda t, p, d: ref.reference_focal_loss(
            t, p, alpha=0.25, from_logits=True, ignore_class=VOID
        ),
        data=data(3, logits=True, void=True),
        **LOGITS,
    ),
    Case(
        name="focal_binary_gamma3",
        loss="FocalLoss",
        make=lambda **layout: FocalLoss(gamma=3.0, alpha=0.25, **layout),
        reference=lambda t, p, d: ref.reference_focal_loss(t, p, gamma=3.0, alpha=0.25),
        data=data(1),
        **BINARY,
    ),
    Case(
        name="cross_entropy_class_weights",
        loss="CrossEntropyLoss",
        channels=3,
        make=lambda **layout: CrossEntropyLoss(class_weights=[0.5, 2.0, 4.0], **layout),
        reference=lambda t, p, d: ref.reference_cross_entropy_loss(t, p, class_weights=[0.5, 2.0, 4.0]),
        data=data(3),
        **PROBS,
    ),
    Case(
        name="cross_entropy_weight_channel_onehot",
        loss="CrossEntropyLoss",
        channels=3,
        make=lambda **layout: CrossEntropyLoss(weight_channel=True, **layout),
        reference=_weighted(ref.reference_cross_entropy_loss),
        data=data(3, onehot=True, weight_channel=True),
        **PROBS,
    ),
    Case(
        name="lovasz_softmax_present_void",
        loss="LovaszSoftmaxLoss",
        channels=3,
        bounds=(0.0, 1.0),
        make=lambda **layout: LovaszSoftmaxLoss(ignore_class=VOID, **layout),
        reference=lambda t, p, d: ref.reference_lovasz_softmax_loss(t, p, ignore_class=VOID),
        data=data(3, void=True),
        **PROBS,
    ),
    Case(
        name="lovasz_softmax_all_logits",
        loss="LovaszSoftmaxLoss",
        channels=3,
        bounds=(0.0, 1.0),
        make=lambda **layout: LovaszSoftmaxLoss(classes="all", from_logits=True, **layout),
        reference=lambda t, p, d: ref.reference_lovasz_softmax_loss(t, p, classes="all", from_logits=True),
        data=data(3, logits=True),
        **LOGITS,
    ),
    Case(
        name="lovasz_hinge_binary_logits",
        loss="LovaszHingeLoss",
        channels=1,
        make=lambda **layout: LovaszHingeLoss(**layout),
        reference=lambda t, p, d: ref.reference_lovasz_hinge_loss(t, p),
        data=data(1, logits=True),
        **LOGITS,
    ),
    Case(
        name="boundary_bce_dice_binary",
        loss="BoundaryWeightedBCEDiceLoss",
        make=lambda **layout: BoundaryWeightedBCEDiceLoss(pool_size=5, **layout),
        reference=lambda t, p, d: ref.reference_boundary_weighted_bce_dice_loss(t, p, pool_size=5),
        data=data(1),
        **BINARY,
    ),
    Case(
        name="forgive_background_misses_dice",
        loss="ForgiveFalseNegatives",
        channels=3,
        bounds=(0.0, 1.0),
        make=lambda **layout: ForgiveFalseNegatives(DiceLoss(**layout), classes=[0]),
        reference=_forgive_reference,
        data=data(3, keep=1),
        **PROBS,
    ),
]
