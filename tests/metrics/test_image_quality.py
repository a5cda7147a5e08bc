"""SSIM, MSSSIM and PSNR metrics: weighted means over batches, sample_weight, reset, compile, saving."""

import keras
import numpy as np
import pytest

from imagelosses import METRICS, ms_ssim, psnr, ssim
from imagelosses.metrics import MSSSIM, PSNR, SSIM
from tests.conftest import assert_close, to_numpy

TWO_SCALES = {"power_factors": [0.4, 0.6], "filter_size": 5}
METRIC_CASES = [
    (SSIM, ssim, {"filter_size": 7}),
    (MSSSIM, ms_ssim, TWO_SCALES),
    (PSNR, psnr, {"max_val": 2.0}),
]
IDS = ["ssim", "ms_ssim", "psnr"]


def _batches(rng, sizes, shape=(20, 20, 1)):
    out = []
    for n in sizes:
        y_true = rng.random((n, *shape)).astype(np.float32)
        y_pred = np.clip(y_true + rng.uniform(0.05, 0.3) * rng.standard_normal(y_true.shape), 0, 1)
        out.append((y_true, y_pred.astype(np.float32)))
    return out


@pytest.mark.parametrize("cls, fn, options", METRIC_CASES, ids=IDS)
def test_result_is_the_mean_over_every_image_across_unequal_batches(cls, fn, options, rng):
    metric = cls(**options)
    batches = _batches(rng, [1, 4, 2])
    values = []
    for y_true, y_pred in batches:
        metric.update_state(y_true, y_pred)
        values.append(to_numpy(fn(y_true, y_pred, **options)))
    assert_close(metric.result(), np.mean(np.concatenate(values)))
    metric.reset_state()
    metric.update_state(*batches[0])
    assert_close(metric.result(), np.mean(values[0]))


@pytest.mark.parametrize("cls, fn, options", METRIC_CASES, ids=IDS)
def test_sample_weight_gives_a_weighted_mean(cls, fn, options, rng):
    metric = cls(**options)
    batches = _batches(rng, [3, 2])
    weights = [np.array([1.0, 0.0, 2.0]), np.array([0.5, 1.0])]
    for (y_true, y_pred), w in zip(batches, weights):
        metric.update_state(y_true, y_pred, sample_weight=w)
    values = np.concatenate([to_numpy(fn(t, p, **options)) for t, p in batches])
    w = np.concatenate(weights)
    assert_close(metric.result(), np.sum(w * values) / np.sum(w))


def test_sequences_count_one_value_per_sample(rng):
    y_true = rng.random((2, 3, 16, 16, 1)).astype(np.float32)
    y_pred = np.clip(y_true + 0.1 * rng.standard_normal(y_true.shape), 0, 1).astype(np.float32)
    metric = SSIM(filter_size=7, spatial_dims=2)
    metric.update_state(y_true, y_pred, sample_weight=np.array([1.0, 3.0]))
    per_frame = to_numpy(ssim(y_true, y_pred, filter_size=7, spatial_dims=2))
    assert_close(metric.result(), np.average(per_frame.mean(axis=1), weights=[1.0, 3.0]))


@pytest.mark.parametrize("cls, fn, options", METRIC_CASES, ids=IDS)
def test_config_round_trips_and_names_resolve(cls, fn, options):
    metric = cls(**options, name="quality")
    restored = keras.metrics.deserialize(keras.metrics.serialize(metric))
    assert type(restored) is cls and restored.get_config() == metric.get_config()
    assert METRICS[cls.__name__] is cls
    assert keras.saving.get_registered_object(f"imagelosses>{cls.__name__}") is cls


def test_metrics_in_compile_match_the_functions_and_survive_saving(rng, tmp_path):
    inputs = keras.Input((20, 20, 1))
    model = keras.Model(inputs, keras.layers.Conv2D(1, 3, padding="same")(inputs))
    metrics = [SSIM(filter_size=7), MSSSIM(**TWO_SCALES), PSNR()]
    model.compile(optimizer="adam", loss="mse", metrics=metrics)
    x, y = _batches(rng, [5])[0]
    results = model.evaluate(x, y, batch_size=2, verbose=0, return_dict=True)
    y_pred = model.predict(x, batch_size=5, verbose=0)
    expected = {
        "ssim": ssim(y, y_pred, filter_size=7),
        "ms_ssim": ms_ssim(y, y_pred, **TWO_SCALES),
        "psnr": psnr(y, y_pred),
    }
    for name, values in expected.items():
        assert results[name] == pytest.approx(float(np.mean(to_numpy(values))), rel=1e-5)
    path = tmp_path / "model.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    again = restored.evaluate(x, y, batch_size=2, verbose=0, return_dict=True)
    for name in ("ssim", "ms_ssim", "psnr"):
        assert again[name] == pytest.approx(results[name], rel=1e-5)
