"""Confusion-matrix metrics and the generalized Dice score against MONAI 1.6's
get_confusion_matrix + compute_confusion_matrix_metric and compute_generalized_dice."""

import keras
import numpy as np
import pytest

from imagelosses import metrics
from tests.conftest import assert_close, to_numpy

MONAI_NAMES = {
    "Precision": "precision",
    "Recall": "sensitivity",
    "Specificity": "specificity",
    "MatthewsCorrelation": "mcc",
    "FBetaScore": "f1",
}


@pytest.fixture
def batches(rng):
    labels = rng.integers(0, 3, (4, 8, 8, 1)).astype(np.float64)
    labels[labels == 2] = 1  # class 2 never in the labels: recall and MCC are 0/0 there
    return labels, rng.normal(0, 1.0, (4, 8, 8, 3))


def _monai_counts(labels, logits):
    import torch
    from monai.metrics import get_confusion_matrix

    def onehot(a):
        return torch.tensor(np.moveaxis(np.eye(3)[a], -1, 1))

    return get_confusion_matrix(onehot(np.argmax(logits, -1)), onehot(labels[..., 0].astype(int)))


def _fed(metric, labels, logits):
    metric.update_state(labels[:2], logits[:2])
    metric.update_state(labels[2:], logits[2:])
    return metric


@pytest.mark.parametrize("name", sorted(MONAI_NAMES))
def test_per_class_values_match_monai_over_two_batches(name, batches):
    monai_metrics = pytest.importorskip("monai.metrics")
    labels, logits = batches
    counts = _monai_counts(labels, logits).sum(0)
    expected = monai_metrics.compute_confusion_matrix_metric(MONAI_NAMES[name], counts).numpy()
    assert_close(_fed(getattr(metrics, name)(3), labels, logits).result(), expected, equal_nan=True)


def test_zero_division_policy_and_mean(batches):
    labels, logits = batches
    recall = to_numpy(_fed(metrics.Recall(3), labels, logits).result())
    assert np.isnan(recall[2])
    mean = _fed(metrics.Recall(3, average="mean"), labels, logits).result()
    assert_close(mean, np.mean(recall[:2]))  # NaN left out of the mean
    filled = _fed(metrics.Recall(3, average="mean", zero_division=1.0), labels, logits).result()
    assert_close(filled, np.mean([recall[0], recall[1], 1.0]))
    with pytest.raises(ValueError, match="zero_division"):
        metrics.Recall(3, zero_division="warn")


def test_fbeta_and_counts_against_float64(batches):
    labels, logits = batches
    metric = _fed(metrics.FBetaScore(3, beta=2.0), labels, logits)
    c = {k: v.astype(np.float64) for k, v in metric.counts().items()}
    monai_counts = _monai_counts(labels, logits).sum(0).numpy()  # tp, fp, tn, fn
    assert_close(np.stack([c["tp"], c["fp"], c["tn"], c["fn"]], -1), monai_counts)
    with np.errstate(invalid="ignore"):
        expected = 5 * c["tp"] / (5 * c["tp"] + 4 * c["fn"] + c["fp"])
    assert_close(metric.result(), expected, equal_nan=True)


@pytest.mark.parametrize("include_background", [True, False])
def test_generalized_dice_score_matches_monai(batches, include_background):
    monai_metrics = pytest.importorskip("monai.metrics")
    import torch

    labels, logits = batches
    onehot = lambda a: torch.tensor(np.moveaxis(np.eye(3)[a], -1, 1))  # noqa: E731
    expected = (
        monai_metrics.compute_generalized_dice(
            onehot(np.argmax(logits, -1)),
            onehot(labels[..., 0].astype(int)),
            include_background=include_background,
            sum_over_classes=True,
        )
        .numpy()
        .mean()
    )
    metric = _fed(metrics.GeneralizedDiceScore(3, include_background=include_background), labels, logits)
    assert_close(metric.result(), expected)


def test_metrics_serialize_and_reset(batches):
    labels, logits = batches
    for metric in (
        metrics.FBetaScore(3, beta=0.5, zero_division=0.0, average="mean"),
        metrics.GeneralizedDiceScore(3, weight_type="simple"),
    ):
        restored = keras.metrics.deserialize(keras.metrics.serialize(metric))
        assert restored.get_config() == metric.get_config()
        _fed(metric, labels, logits)
        metric.reset_state()
        _fed(metric, labels, logits)
        assert_close(metric.result(), to_numpy(_fed(restored, labels, logits).result()))
