"""Soft clDice, the asymmetric unified focal loss, the generalized Wasserstein Dice loss and deep
supervision: against MONAI 1.6 and float64 references."""

import keras
import numpy as np
import pytest

import imagelosses as il
from imagelosses.losses.deep_supervision import level_weights
from tests.conftest import assert_close, to_numpy
from tests.reference import frontier as ref
from tests.reference import segmentation as seg_ref


def _torch(x):
    import torch

    return torch.tensor(np.moveaxis(x, -1, 1), dtype=torch.float64)


@pytest.mark.parametrize("shape", [(2, 12, 12), (2, 6, 6, 6)], ids=["2d", "3d"])
@pytest.mark.parametrize("include_background", [True, False])
def test_cldice_and_dice_cldice_match_monai_per_image(shape, include_background, rng):
    losses = pytest.importorskip("monai.losses")
    labels = rng.integers(0, 3, shape + (1,)).astype(np.float64)
    logits = rng.normal(0, 2.0, shape + (3,))
    options = dict(softmax=True, to_onehot_y=True, include_background=include_background)
    monai = losses.SoftclDiceLoss(reduction="none", **options)(_torch(logits), _torch(labels))
    ours = il.soft_cldice_loss(labels, logits, from_logits=True, include_background=include_background)
    assert_close(ours, monai.numpy())
    monai = [
        losses.SoftDiceclDiceLoss(**options)(_torch(logits[i : i + 1]), _torch(labels[i : i + 1])).item()
        for i in range(2)
    ]
    assert_close(
        il.dice_cldice_loss(labels, logits, from_logits=True, include_background=include_background), monai
    )


def test_cldice_binary_matches_monai_and_float64_skeleton(rng):
    losses = pytest.importorskip("monai.losses")
    labels = (rng.random((2, 12, 12, 1)) < 0.4).astype(np.float64)
    logits = rng.normal(0, 2.0, (2, 12, 12, 1))
    monai = losses.SoftclDiceLoss(sigmoid=True, iter_=2, reduction="none")(
        _torch(logits), _torch(labels)
    ).numpy()
    ours = il.soft_cldice_loss(labels, logits, iters=2, from_logits=True)
    assert_close(ours, monai)
    assert_close(ours, ref.reference_cldice_loss(labels, logits, iters=2, from_logits=True))


def test_soft_skeleton_keeps_borders_and_thins_a_bar():
    from imagelosses.filters.morphology import soft_skeleton

    bar = np.zeros((1, 9, 9, 1), np.float32)
    bar[0, 3:6, :] = 1.0  # a 3-pixel-thick bar touching both borders
    skeleton = to_numpy(soft_skeleton(keras.ops.convert_to_tensor(bar), 3, 2))[0, ..., 0]
    assert_close(skeleton, ref.soft_skeleton(bar[0, ..., 0].astype(np.float64), 3))
    assert np.all(skeleton[4] == 1.0) and skeleton[3].sum() == 0 and skeleton[5].sum() == 0


@pytest.mark.parametrize("delta", [0.6, 0.7])
def test_unified_focal_matches_monai_binary(delta, rng):
    losses = pytest.importorskip("monai.losses")
    labels = (rng.random((2, 8, 8, 1)) < 0.3).astype(np.float64)
    probs = rng.uniform(0.01, 0.99, (2, 8, 8, 1))
    monai = [
        losses.AsymmetricUnifiedFocalLoss(delta=delta)(
            _torch(probs[i : i + 1]), _torch(labels[i : i + 1])
        ).item()
        for i in range(2)
    ]
    assert_close(il.asymmetric_unified_focal_loss(labels, probs, delta=delta), monai)
    two = np.concatenate([1 - probs, probs], -1)  # the K = 2 form is the same loss
    assert_close(il.asymmetric_unified_focal_loss(labels, two, delta=delta), monai)


def test_unified_focal_multiclass_matches_float64_definition(rng):
    labels = rng.integers(0, 3, (2, 8, 8, 1)).astype(np.float64)
    probs = seg_ref.probabilities(rng.normal(0, 2.0, (2, 8, 8, 3)), from_logits=True)
    expected = ref.reference_unified_focal_loss(labels, probs, weight=0.3, delta=0.6, gamma=0.5)
    assert_close(il.asymmetric_unified_focal_loss(labels, probs, weight=0.3), expected)


@pytest.mark.parametrize("mode", ["default", "GDL"])
def test_wasserstein_dice_matches_monai(mode, rng):
    losses = pytest.importorskip("monai.losses")
    labels = rng.integers(0, 3, (2, 8, 8, 1)).astype(np.float64)
    logits = rng.normal(0, 2.0, (2, 8, 8, 3))
    matrix = [[0.0, 2.0, 2.0], [2.0, 0.0, 1.0], [2.0, 1.0, 0.0]]
    monai = losses.GeneralizedWassersteinDiceLoss(
        dist_matrix=np.array(matrix), reduction="none", weighting_mode=mode
    )(_torch(logits), _torch(labels)).numpy()
    ours = il.generalized_wasserstein_dice_loss(
        labels, logits, distance_matrix=matrix, weighting_mode=mode, from_logits=True
    )
    assert_close(ours, monai)


def test_wasserstein_dice_checks_its_matrix():
    with pytest.raises(ValueError, match="distance_matrix"):
        il.GeneralizedWassersteinDiceLoss(distance_matrix=[[0, 1], [1, 0], [1, 1]])
    with pytest.raises(ValueError, match="distance_matrix"):
        il.generalized_wasserstein_dice_loss(
            np.zeros((1, 4, 4, 1)), np.full((1, 4, 4, 3), 1 / 3), distance_matrix=[[0, 1], [1, 0]]
        )


def test_deep_supervision_weights_and_nearest_labels(rng):
    labels = rng.integers(0, 3, (2, 8, 8, 1)).astype(np.float64)
    preds = [seg_ref.probabilities(rng.normal(0, 2.0, (2, s, s, 3)), from_logits=True) for s in (8, 4, 2)]
    loss = il.DeepSupervision(il.DiceLoss())
    weights = [4 / 7, 2 / 7, 1 / 7]
    assert_close(level_weights(3), weights)
    expected = sum(
        w * seg_ref.reference_dice_loss(labels[:, ::f, ::f], p) for w, f, p in zip(weights, (1, 2, 4), preds)
    )
    assert_close(loss.call(labels, preds), expected)
    restored = keras.losses.deserialize(
        keras.losses.serialize(il.DeepSupervision(il.DiceLoss(smooth=0.5), weights=[1.0, 0.5]))
    )
    assert restored.weights == [1.0, 0.5] and restored.loss.options["smooth"] == 0.5
    with pytest.raises(ValueError, match="weights"):
        il.DeepSupervision(il.DiceLoss(), weights=[1.0, -1.0])


def test_deep_supervision_trains_a_multi_output_unet_and_saves(rng, tmp_path):
    inputs = keras.Input((8, 8, 1))
    full = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    half = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(keras.layers.MaxPooling2D()(full))
    quarter = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(keras.layers.MaxPooling2D()(half))
    up = keras.layers.Concatenate()([full, keras.layers.UpSampling2D(2)(half)])
    outputs = [keras.layers.Conv2D(3, 1, name=f"level{i}")(x) for i, x in enumerate([up, half, quarter])]
    model = keras.Model(inputs, outputs)
    supervision = il.DeepSupervision(il.DiceCELoss(from_logits=True))
    model.compile(keras.optimizers.Adam(1e-2), **supervision.compile_arguments(3))
    x = rng.random((4, 8, 8, 1))
    y = rng.integers(0, 3, (4, 8, 8, 1)).astype("float32")
    history = model.fit(x, [y, y, y], batch_size=2, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    model.save(tmp_path / "unet.keras")
    loaded = keras.saving.load_model(tmp_path / "unet.keras")
    assert_close(
        loaded.evaluate(x, [y, y, y], verbose=0)[0], model.evaluate(x, [y, y, y], verbose=0)[0], rtol=1e-4
    )
