"""Values against Keras's own losses and MONAI's, where the conventions align (and where they
differ, the documented conversion)."""

import keras
import numpy as np
import pytest

import imagelosses as il
from tests.conftest import assert_close, to_numpy
from tests.reference import segmentation as ref

VOID = 255


@pytest.fixture
def binary(rng):
    y_true = (rng.random((2, 8, 8, 1)) < 0.3).astype(np.float64)
    y_pred = rng.uniform(0.02, 0.98, (2, 8, 8, 1))
    return y_true, y_pred


@pytest.fixture
def multiclass(rng):
    labels = rng.integers(0, 3, (2, 8, 8, 1)).astype(np.float64)
    logits = rng.normal(0.0, 2.0, (2, 8, 8, 3))
    return labels, logits


def _keras(loss, y_true, y_pred):
    return to_numpy(loss(y_true.astype("float32"), y_pred.astype("float32")))


def test_dice_matches_keras_dice_without_smoothing(binary):
    y_true, y_pred = binary
    expected = _keras(keras.losses.Dice(axis=(1, 2, 3), reduction=None), y_true, y_pred)
    assert_close(il.dice_loss(y_true, y_pred, smooth=0.0), expected)


def test_keras_empty_mask_dice_is_one_where_ours_is_zero():
    empty = np.zeros((1, 4, 4, 1))
    assert_close(_keras(keras.losses.Dice(axis=(1, 2, 3), reduction=None), empty, empty), [1.0])
    assert_close(il.dice_loss(empty, empty), [0.0])


def test_tversky_alpha_weighs_false_positives_and_keras_swaps_them():
    y_true = np.zeros((1, 4, 4, 1))
    y_true[0, :2] = 1.0  # 8 foreground pixels
    false_positives = y_true.copy()
    false_positives[0, 2] = 1.0  # 4 extra pixels predicted: FP only
    false_negatives = y_true.copy()
    false_negatives[0, 1] = 0.0  # 4 pixels missed: FN only

    def ours(p, a, b):
        return to_numpy(il.tversky_loss(y_true, p, alpha=a, beta=b, smooth=0.0))

    # tp = 8 in the FP case, 4 in the FN case: 1 - tp / (tp + weight * 4)
    assert_close(ours(false_positives, 1.0, 0.0), [1 - 8 / 12])
    assert_close(ours(false_positives, 0.0, 1.0), [0.0])
    assert_close(ours(false_negatives, 0.0, 1.0), [1 - 4 / 8])
    assert_close(ours(false_negatives, 1.0, 0.0), [0.0])
    keras_fp = _keras(
        keras.losses.Tversky(alpha=1.0, beta=0.0, axis=(1, 2, 3), reduction=None), y_true, false_positives
    )
    keras_fn = _keras(
        keras.losses.Tversky(alpha=1.0, beta=0.0, axis=(1, 2, 3), reduction=None), y_true, false_negatives
    )
    # Keras's alpha multiplies the false negatives (its docstring says false positives)
    assert_close(keras_fp, ours(false_positives, 0.0, 1.0), atol=1e-6)
    assert_close(keras_fn, ours(false_negatives, 0.0, 1.0), atol=1e-6)


def test_tversky_equals_keras_with_alpha_and_beta_exchanged(binary):
    y_true, y_pred = binary
    expected = _keras(
        keras.losses.Tversky(alpha=0.3, beta=0.7, axis=(1, 2, 3), reduction=None), y_true, y_pred
    )
    assert_close(il.tversky_loss(y_true, y_pred, alpha=0.7, beta=0.3, smooth=0.0), expected)


def test_binary_focal_matches_keras_with_class_balancing(binary):
    y_true, y_pred = binary
    loss = keras.losses.BinaryFocalCrossentropy(
        apply_class_balancing=True, alpha=0.3, gamma=2.0, reduction=None
    )
    expected = _keras(loss, y_true, y_pred).mean(axis=(1, 2))
    assert_close(il.focal_loss(y_true, y_pred, alpha=0.3), expected)


def test_categorical_focal_matches_keras_uniform_alpha_as_class_weights(multiclass):
    labels, logits = multiclass
    onehot = np.eye(3)[labels[..., 0].astype(int)]
    loss = keras.losses.CategoricalFocalCrossentropy(alpha=0.25, gamma=2.0, from_logits=True, reduction=None)
    expected = _keras(loss, onehot, logits).mean(axis=(1, 2))
    assert_close(il.focal_loss(labels, logits, class_weights=[0.25] * 3, from_logits=True), expected)


def test_cross_entropy_matches_keras_sparse_with_ignore_class(multiclass):
    labels, logits = multiclass
    labels[:, :2] = VOID
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=VOID, reduction=None)
    per_pixel = _keras(loss, labels, logits)
    expected = per_pixel.sum(axis=(1, 2)) / (labels[..., 0] != VOID).sum(axis=(1, 2))
    assert_close(il.cross_entropy_loss(labels, logits, from_logits=True, ignore_class=VOID), expected)


# ------------------------------------------------------------------------------------ MONAI
def _monai():
    return pytest.importorskip("monai.losses", reason="MONAI is an optional peer (test extra)")


def _torch(x):
    import torch

    return torch.tensor(np.moveaxis(x, -1, 1), dtype=torch.float64)


@pytest.mark.parametrize("include_background", [True, False])
def test_dice_and_jaccard_match_monai(multiclass, include_background):
    losses = _monai()
    labels, logits = multiclass
    options = dict(
        include_background=include_background,
        to_onehot_y=True,
        softmax=True,
        reduction="none",
        smooth_nr=0.1,
        smooth_dr=0.1,
    )
    dice = losses.DiceLoss(**options)(_torch(logits), _torch(labels)).numpy()
    assert_close(
        il.dice_loss(labels, logits, smooth=0.1, from_logits=True, include_background=include_background),
        dice.reshape(2, -1).mean(1),
    )
    jaccard = losses.DiceLoss(jaccard=True, **options)(_torch(logits), _torch(labels)).numpy()
    assert_close(
        il.jaccard_loss(labels, logits, smooth=0.05, from_logits=True, include_background=include_background),
        jaccard.reshape(2, -1).mean(1),
    )


@pytest.mark.parametrize("batch", [False, True])
def test_generalized_dice_matches_monai(multiclass, batch):
    losses = _monai()
    labels, logits = multiclass
    labels[0][labels[0] == 2] = 1  # class 2 absent from image 0: the absent-class rule
    monai = losses.GeneralizedDiceLoss(to_onehot_y=True, softmax=True, reduction="none", batch=batch)(
        _torch(logits), _torch(labels)
    ).numpy()
    ours = il.generalized_dice_loss(labels, logits, from_logits=True, per_image=not batch)
    assert_close(ours, np.broadcast_to(monai.reshape(-1), (2,)), rtol=1e-4)


def test_tversky_matches_monai(multiclass):
    losses = _monai()
    labels, logits = multiclass
    monai = losses.TverskyLoss(to_onehot_y=True, softmax=True, alpha=0.3, beta=0.7, reduction="none")(
        _torch(logits), _torch(labels)
    ).numpy()
    ours = il.tversky_loss(labels, logits, alpha=0.3, beta=0.7, smooth=1e-5, from_logits=True)
    assert_close(ours, monai.reshape(2, -1).mean(1))


def test_focal_matches_monai_softmax_times_classes_and_sigmoid(multiclass, binary):
    losses = _monai()
    labels, logits = multiclass
    monai = losses.FocalLoss(to_onehot_y=True, use_softmax=True, gamma=2.0, alpha=0.25, reduction="none")(
        _torch(logits), _torch(labels)
    ).numpy()
    ours = il.focal_loss(labels, logits, alpha=0.25, from_logits=True)
    assert_close(ours, monai.sum(1).mean(axis=(1, 2)))  # MONAI's mean also divides by K
    y_true, y_pred = binary
    z = np.log(y_pred / (1 - y_pred))
    monai = losses.FocalLoss(gamma=2.0, alpha=0.25, reduction="none")(_torch(z), _torch(y_true))
    assert_close(il.focal_loss(y_true, z, alpha=0.25, from_logits=True), monai.numpy().mean(axis=(1, 2, 3)))


def test_references_agree_with_themselves_on_a_known_dice():
    """Sanity of the reference: half the foreground found gives Dice 2/3."""
    y_true = np.zeros((1, 4, 4, 1))
    y_true[0, :2] = 1.0
    y_pred = np.zeros((1, 4, 4, 1))
    y_pred[0, 0] = 1.0
    assert_close(ref.reference_dice_loss(y_true, y_pred, smooth=0.0), [1 - 2 * 4 / 12])
