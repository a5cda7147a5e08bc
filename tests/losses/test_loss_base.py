"""The loss base class: per-pixel `sample_weight`, string lookup by Keras, saved plain functions."""

import keras
import numpy as np
import pytest

import imagelosses

RNG = np.random.default_rng(7)
LABELS = RNG.integers(0, 3, (4, 8, 8))
PROBS = RNG.uniform(0.05, 1.0, (4, 8, 8, 3)).astype("float32")
PROBS /= PROBS.sum(-1, keepdims=True)
PIXEL_WEIGHTS = RNG.uniform(0.0, 2.0, (4, 8, 8)).astype("float32")


def _value(x) -> float:
    return float(keras.ops.convert_to_numpy(x))


@pytest.mark.parametrize("shape", [(4, 8, 8), (4, 8, 8, 1)])
def test_per_pixel_sample_weight_equals_keras_sparse_cross_entropy(shape):
    weights = PIXEL_WEIGHTS.reshape(shape)
    ours = imagelosses.CrossEntropyLoss()(LABELS, PROBS, sample_weight=weights)
    reference = keras.losses.SparseCategoricalCrossentropy()(LABELS, PROBS, sample_weight=PIXEL_WEIGHTS)
    assert _value(ours) == pytest.approx(_value(reference), rel=1e-6)


def test_per_pixel_sample_weight_of_focal_and_charbonnier_against_float64():
    onehot = np.eye(3)[LABELS]
    p = PROBS.astype(np.float64)
    term = -np.sum(onehot * (1 - p) ** 2 * np.log(p), axis=-1)
    expected = np.mean(np.mean(PIXEL_WEIGHTS * term, axis=(1, 2)))
    ours = imagelosses.FocalLoss()(LABELS, PROBS, sample_weight=PIXEL_WEIGHTS)
    assert _value(ours) == pytest.approx(expected, rel=1e-5)
    a = RNG.uniform(size=(4, 8, 8, 2)).astype("float32")
    b = RNG.uniform(size=(4, 8, 8, 2)).astype("float32")
    penalty = np.sqrt((a.astype(np.float64) - b) ** 2 + 1e-6)
    expected = np.mean(PIXEL_WEIGHTS[..., None] * penalty)
    ours = imagelosses.CharbonnierLoss()(a, b, sample_weight=PIXEL_WEIGHTS)
    assert _value(ours) == pytest.approx(expected, rel=1e-5)


def test_per_pixel_sample_weight_trains_in_fit():
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(3, 1, activation="softmax")])
    model.compile("sgd", loss=imagelosses.CrossEntropyLoss())
    x = RNG.uniform(size=(4, 8, 8, 1)).astype("float32")
    ours = model.evaluate(x, LABELS, sample_weight=PIXEL_WEIGHTS, verbose=0)
    model.compile("sgd", loss=keras.losses.SparseCategoricalCrossentropy())
    reference = model.evaluate(x, LABELS, sample_weight=PIXEL_WEIGHTS, verbose=0)
    assert ours == pytest.approx(reference, rel=1e-5)


def test_a_pixel_weight_for_a_region_loss_names_sample_weight_and_its_shapes():
    expected = r"`sample_weight`.*\(B,\).*Received: sample_weight.shape=\(4, 8, 8\)"
    with pytest.raises(ValueError, match=expected):
        imagelosses.DiceLoss()(LABELS, PROBS, sample_weight=PIXEL_WEIGHTS)
    per_image = np.array([1.0, 0.0, 2.0, 1.0], "float32")  # one weight per image still works
    values = keras.ops.convert_to_numpy(imagelosses.DiceLoss(reduction=None)(LABELS, PROBS))
    weighted = imagelosses.DiceLoss()(LABELS, PROBS, sample_weight=per_image)
    assert _value(weighted) == pytest.approx(np.mean(values * per_image), rel=1e-6)


@pytest.mark.parametrize(
    "identifier, cls",
    [
        ("imagelosses>SSIMLoss", imagelosses.SSIMLoss),
        ("imagelosses>ssim", imagelosses.SSIMLoss),
        ("imagelosses>dice", imagelosses.DiceLoss),
        ("imagelosses>cross_entropy", imagelosses.CrossEntropyLoss),
    ],
)
def test_keras_resolves_the_registered_and_short_names(identifier, cls):
    assert isinstance(keras.losses.get(identifier), cls)


def test_compile_takes_a_short_name():
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(3, 1, activation="softmax")])
    model.compile("sgd", loss="imagelosses>dice")
    x = RNG.uniform(size=(4, 8, 8, 1)).astype("float32")
    expected = _value(imagelosses.DiceLoss()(LABELS, model.predict(x, verbose=0)))
    assert model.evaluate(x, LABELS, verbose=0) == pytest.approx(expected, rel=1e-5)


def _my_l1(y_true, y_pred):
    return keras.ops.mean(keras.ops.abs(y_true - y_pred), axis=(1, 2, 3))


def test_a_saved_plain_function_term_says_how_to_load_it():
    config = keras.losses.serialize(imagelosses.SobelLoss() + _my_l1)
    with pytest.raises(ValueError, match=r"'_my_l1'.*custom_objects.*register_keras_serializable"):
        keras.losses.deserialize(config)
    with keras.saving.custom_object_scope({"_my_l1": _my_l1}):
        assert keras.losses.deserialize(config).terms[1] is _my_l1


def test_term_metrics_of_a_single_loss_report_its_mean():
    loss = imagelosses.DiceLoss()
    (metric,) = loss.term_metrics()
    metric.update_state(LABELS, PROBS)
    assert _value(metric.result()) == pytest.approx(_value(loss(LABELS, PROBS)), rel=1e-6)
