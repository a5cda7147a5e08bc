"""MCC, TopK cross-entropy, label smoothing and the Dice + CE / Dice + focal presets: against
MONAI 1.6, Keras and float64 references."""

import keras
import numpy as np
import pytest

import imagelosses as il
from tests.conftest import assert_close, gradient, to_numpy
from tests.reference import frontier as ref


def _torch(x):
    import torch

    return torch.tensor(np.moveaxis(x, -1, 1), dtype=torch.float64)


@pytest.fixture
def multiclass(rng):
    return rng.integers(0, 3, (2, 8, 8, 1)).astype(np.float64), rng.normal(0, 2.0, (2, 8, 8, 3))


@pytest.fixture
def binary(rng):
    return (rng.random((2, 8, 8, 1)) < 0.3).astype(np.float64), rng.normal(0, 2.0, (2, 8, 8, 1))


@pytest.mark.parametrize("batch", [False, True])
def test_mcc_matches_monai(multiclass, batch):
    losses = pytest.importorskip("monai.losses")
    labels, logits = multiclass
    monai = (
        losses.MCCLoss(softmax=True, to_onehot_y=True, reduction="none", batch=batch)(
            _torch(logits), _torch(labels)
        )
        .numpy()
        .reshape(-1, 3)
        .mean(-1)
    )
    ours = il.mcc_loss(labels, logits, from_logits=True, per_image=not batch)
    assert_close(ours, np.broadcast_to(monai, (2,)))


def test_mcc_binary_matches_monai_and_known_values(binary):
    losses = pytest.importorskip("monai.losses")
    labels, logits = binary
    monai = losses.MCCLoss(sigmoid=True, reduction="none")(_torch(logits), _torch(labels))
    assert_close(il.mcc_loss(labels, logits, from_logits=True), monai.numpy().reshape(2))
    assert_close(il.mcc_loss(labels, labels), [0.0, 0.0])  # exact: 0
    assert_close(il.mcc_loss(labels, 1.0 - labels), [2.0, 2.0], rtol=1e-4)  # inverted: 2


def test_top_k_cross_entropy_matches_float64_reference_with_void(multiclass):
    labels, logits = multiclass
    labels[0, :3] = 255
    ours = il.top_k_cross_entropy_loss(labels, logits, k=10, from_logits=True, ignore_class=255)
    expected = ref.reference_top_k_loss(labels, logits, k=10, from_logits=True, ignore_class=255)
    assert_close(ours, expected)
    full = il.top_k_cross_entropy_loss(labels, logits, k=100, from_logits=True, ignore_class=255)
    assert_close(full, to_numpy(il.cross_entropy_loss(labels, logits, from_logits=True, ignore_class=255)))


def test_top_k_per_image_false_ranks_the_batch(multiclass):
    labels, logits = multiclass
    term, _ = ref.reference_pixel_terms(labels, logits, from_logits=True)
    top = np.sort(term.ravel())[::-1][: int(term.size * 0.25)].mean()
    assert_close(
        il.top_k_cross_entropy_loss(labels, logits, k=25, from_logits=True, per_image=False), [top, top]
    )


def test_top_k_gradient_reaches_only_the_selected_pixels(multiclass):
    labels, logits = multiclass
    grad = gradient(lambda z: il.top_k_cross_entropy_loss(labels[:1], z, k=10, from_logits=True), logits[:1])
    assert np.count_nonzero(np.abs(grad).sum(-1)) == 6  # floor(64 * 10 / 100) pixels


@pytest.mark.parametrize("smoothing", [0.1, 0.3])
def test_label_smoothing_matches_keras_cross_entropy_and_categorical_focal(multiclass, smoothing):
    labels, logits = multiclass
    onehot = np.eye(3)[labels[..., 0].astype(int)].astype("float32")
    z = logits.astype("float32")
    cce = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=smoothing, reduction=None)(
        onehot, z
    )
    assert_close(
        il.cross_entropy_loss(labels, logits, from_logits=True, label_smoothing=smoothing),
        to_numpy(cce).mean(axis=(1, 2)),
        rtol=2e-5,
    )
    cfc = keras.losses.CategoricalFocalCrossentropy(
        alpha=1.0, gamma=2.0, from_logits=True, label_smoothing=smoothing, reduction=None
    )
    assert_close(
        il.focal_loss(labels, logits, from_logits=True, label_smoothing=smoothing),
        to_numpy(cfc(onehot, z)).mean(axis=(1, 2)),
        rtol=2e-5,
    )


def test_binary_label_smoothing_matches_keras_bce_and_float64_focal(binary):
    labels, logits = binary
    bce = keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2, reduction=None)
    assert_close(
        il.cross_entropy_loss(labels, logits, from_logits=True, label_smoothing=0.2),
        to_numpy(bce(labels.astype("float32"), logits.astype("float32"))).mean((1, 2)),
        rtol=2e-5,
    )
    # the focal factors keep the hard-label form (p_t not recomputed from smoothed labels)
    expected = ref.reference_smoothed_loss(labels, logits, gamma=2.0, label_smoothing=0.2, from_logits=True)
    assert_close(il.focal_loss(labels, logits, from_logits=True, label_smoothing=0.2), expected)


def test_label_smoothing_option_is_checked_at_construction():
    with pytest.raises(ValueError, match="label_smoothing"):
        il.CrossEntropyLoss(label_smoothing=1.5)
    with pytest.raises(TypeError, match="label_smoothing"):
        il.FocalLoss(label_smoothing="0.1")


def test_dice_ce_defaults_match_monai_per_image(multiclass, binary):
    losses = pytest.importorskip("monai.losses")
    labels, logits = multiclass
    ours = to_numpy(il.dice_ce_loss(labels, logits, from_logits=True))
    for i in range(2):
        monai = losses.DiceCELoss(softmax=True, to_onehot_y=True)(
            _torch(logits[i : i + 1]), _torch(labels[i : i + 1])
        ).item()
        assert_close(ours[i], monai)
    monai = losses.DiceCELoss(
        softmax=True,
        to_onehot_y=True,
        lambda_dice=0.3,
        lambda_ce=0.7,
        label_smoothing=0.1,
        include_background=False,
    )(_torch(logits), _torch(labels)).item()
    assert_close(
        np.mean(
            to_numpy(
                il.dice_ce_loss(
                    labels,
                    logits,
                    from_logits=True,
                    lambda_dice=0.3,
                    lambda_ce=0.7,
                    label_smoothing=0.1,
                    include_background=False,
                )
            )
        ),
        monai,
    )
    labels, logits = binary
    monai = losses.DiceCELoss(sigmoid=True)(_torch(logits), _torch(labels)).item()
    assert_close(np.mean(to_numpy(il.dice_ce_loss(labels, logits, from_logits=True))), monai)


def test_dice_focal_defaults_match_monai_binary(binary):
    losses = pytest.importorskip("monai.losses")
    labels, logits = binary
    monai = losses.DiceFocalLoss(sigmoid=True, lambda_focal=2.0)(_torch(logits), _torch(labels))
    ours = il.dice_focal_loss(labels, logits, from_logits=True, lambda_focal=2.0)
    assert_close(np.mean(to_numpy(ours)), monai.item())


def test_presets_are_the_sums_of_their_terms_and_save(multiclass):
    labels, logits = multiclass
    expected = ref.reference_dice_focal_loss(labels, logits, from_logits=True, lambda_focal=0.5)
    loss = il.DiceFocalLoss(from_logits=True, lambda_focal=0.5)
    assert_close(loss.call(labels, logits), expected)
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(restored) is il.DiceFocalLoss and restored.get_config() == loss.get_config()
    assert isinstance(keras.losses.get("imagelosses>dice_ce"), il.DiceCELoss)
