"""Stateful surface metrics: running means without the non-finite values, counts, config, compile."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import imagelosses
from imagelosses.metrics import AverageSurfaceDistance, HausdorffDistance, SurfaceDice
from tests.conftest import compiled, to_numpy
from tests.reference.distance import blob_labels


@pytest.fixture(scope="module")
def batches():
    rng = np.random.default_rng(9)
    truth, pred = blob_labels(rng, (5, 16, 18), 3), blob_labels(rng, (5, 16, 18), 3)
    truth[1][truth[1] == 2] = 0  # an empty class: inf (or 0 for the surface Dice) for image 1
    truth[3][truth[3] == 1] = 0
    pred[3][pred[3] == 1] = 0  # class 1 absent from both masks of image 3: NaN
    return truth, pred


@pytest.mark.parametrize(
    "cls, fn, options",
    [
        (HausdorffDistance, imagelosses.hausdorff_distance, {"percentile": 95}),
        (AverageSurfaceDistance, imagelosses.average_surface_distance, {"symmetric": True}),
        (SurfaceDice, imagelosses.surface_dice, {"tolerance": 1.5}),
    ],
)
def test_running_mean_leaves_out_non_finite_values_and_counts_them(batches, cls, fn, options):
    truth, pred = batches
    metric = cls(num_classes=3, **options)
    metric.update_state(truth[:2], pred[:2])
    metric.update_state(truth[2:], pred[2:], sample_weight=np.array([1.0, 2.0, 0.0]))
    values = to_numpy(compiled(lambda t, p: fn(t, p, num_classes=3, **options))(truth, pred))  # (5, 2)
    weights = np.array([1.0, 1.0, 1.0, 2.0, 0.0])[:, None] * np.ones_like(values)
    finite = np.isfinite(values)
    expected = np.sum(np.where(finite, values, 0) * weights) / np.sum(weights * finite)
    np.testing.assert_allclose(float(metric.result()), expected, rtol=1e-6)
    assert float(metric.excluded) == np.sum(~finite & (weights > 0))
    assert float(metric.excluded) >= 1


def test_hd95_by_default_nan_when_everything_is_excluded_and_reset():
    metric = HausdorffDistance(num_classes=2)
    assert metric.get_config()["percentile"] == 95
    assert np.isnan(float(metric.result()))  # nothing seen
    empty = np.zeros((2, 8, 8), np.int32)
    metric.update_state(empty, empty)
    assert np.isnan(float(metric.result())) and float(metric.excluded) == 2
    metric.reset_state()
    assert float(metric.excluded) == 0 and np.isnan(float(metric.result()))


def test_options_checked_at_construction_and_config_round_trips():
    with pytest.raises(ValueError, match="percentile"):
        HausdorffDistance(percentile=101)
    with pytest.raises(TypeError, match="tolerance"):
        SurfaceDice()
    metric = SurfaceDice(tolerance=[1.0, 2.0], spacing=(0.5, 2.0), include_background=True)
    config = keras.saving.serialize_keras_object(metric)
    restored = keras.saving.deserialize_keras_object(config)
    assert isinstance(restored, SurfaceDice)
    assert restored.get_config() == metric.get_config()
    assert restored.get_config()["data_format"] == "channels_last"


def test_in_compile_metrics(batches):
    truth, _ = batches
    model = keras.Sequential([keras.Input((16, 18, 1)), keras.layers.Conv2D(3, 1)])
    hd = HausdorffDistance(num_classes=3)
    model.compile(loss="sparse_categorical_crossentropy", metrics=[hd, SurfaceDice(tolerance=1.0)])
    images = truth[..., None].astype("float32")
    scores = model.evaluate(images, truth[..., None], batch_size=2, verbose=0, return_dict=True)
    expected = HausdorffDistance(num_classes=3)
    for start in range(0, 5, 2):
        expected.update_state(truth[start : start + 2], model.predict(images[start : start + 2], verbose=0))
    np.testing.assert_allclose(scores["hausdorff_distance"], float(expected.result()), rtol=1e-5)
    assert 0.0 <= scores["surface_dice"] <= 1.0
