"""IoU, Dice and ThresholdedMeanIoU: exact counts across batches, peers, policies, layouts."""

import keras
import numpy as np
import pytest

from imagelosses.metrics import Dice, IoU, ThresholdedMeanIoU
from imagelosses.metrics.segmentation import RADIX
from tests.conftest import assert_close, to_numpy
from tests.reference import segmentation as ref

VOID = 255


def _batch(rng, n=2, k=3, side=8, void=False):
    labels = rng.integers(0, k, (n, side, side, 1)).astype(np.float64)
    if void:
        labels[rng.random(labels.shape) < 0.2] = VOID
    probs = ref.probabilities(rng.normal(size=(n, side, side, k)), from_logits=True)
    return labels, probs


def _iou(tp, fp, fn):
    union = tp + fp + fn
    return np.where(union > 0, tp / np.maximum(union, 1), np.nan)


def test_iou_and_dice_accumulate_counts_over_batches(rng):
    iou, dice = IoU(3, ignore_class=VOID), Dice(3, ignore_class=VOID)
    totals = np.zeros((3, 3), np.int64)
    for _ in range(3):
        labels, probs = _batch(rng, void=True)
        for metric in (iou, dice):
            metric.update_state(labels, probs)
        totals += np.stack(ref.reference_confusion(labels, probs, 3, ignore_class=VOID))
    tp, fp, fn = totals
    assert_close(iou.result(), _iou(tp, fp, fn))
    assert_close(dice.result(), 2 * tp / (2 * tp + fp + fn))
    counts = iou.counts()
    assert np.array_equal(counts["tp"], tp) and np.array_equal(counts["fn"], fn)


def test_ignore_class_logits_and_one_hot_labels(rng):
    labels, probs = _batch(rng, void=True)
    logits = np.log(probs)
    metric = IoU(3, ignore_class=VOID, from_logits=True, average="mean")
    metric.update_state(labels, logits)
    tp, fp, fn = ref.reference_confusion(labels, probs, 3, ignore_class=VOID)
    assert_close(metric.result(), np.nanmean(_iou(tp, fp, fn)))
    clean = np.where(labels == VOID, 0, labels)
    onehot = np.eye(3)[clean[..., 0].astype(int)]
    a, b = IoU(3), IoU(3, data_format="channels_first")
    a.update_state(onehot, probs)
    b.update_state(np.moveaxis(clean, -1, 1), np.moveaxis(probs, -1, 1))
    assert_close(a.result(), to_numpy(b.result()))


def test_mean_iou_matches_keras_mean_iou_and_per_class_iou(rng):
    labels, probs = _batch(rng, n=3)
    ours = IoU(3, average="mean")
    ours.update_state(labels, probs)
    theirs = keras.metrics.MeanIoU(num_classes=3)
    theirs.update_state(labels[..., 0], np.argmax(probs, -1))
    assert_close(ours.result(), to_numpy(theirs.result()))
    per_class = IoU(3)
    per_class.update_state(labels, probs)
    keras_per_class = [keras.metrics.IoU(num_classes=3, target_class_ids=[c]) for c in range(3)]
    for c, metric in enumerate(keras_per_class):
        metric.update_state(labels[..., 0], np.argmax(probs, -1))
        assert_close(per_class.result()[c], to_numpy(metric.result()))


def test_absent_class_is_nan_and_left_out_of_the_mean():
    labels = np.zeros((1, 4, 4, 1))
    labels[0, :2] = 1  # class 2 absent from labels and predictions
    probs = np.eye(3)[labels[..., 0].astype(int)]
    metric = IoU(3)
    metric.update_state(labels, probs)
    values = to_numpy(metric.result())
    assert values[0] == 1.0 and values[1] == 1.0 and np.isnan(values[2])
    mean = Dice(3, average="mean")
    mean.update_state(labels, probs)
    assert_close(mean.result(), 1.0)
    nothing = IoU(3, average="mean", ignore_class=VOID)
    nothing.update_state(np.full((1, 4, 4, 1), VOID), probs)
    assert np.isnan(to_numpy(nothing.result()))


def test_binary_predictions_with_one_channel(rng):
    y_true = (rng.random((2, 8, 8, 1)) < 0.3).astype(np.float64)
    y_pred = rng.random((2, 8, 8, 1))
    metric = IoU(2, threshold=0.4)
    metric.update_state(y_true, y_pred)
    tp, fp, fn = ref.reference_confusion(y_true, y_pred, 2, threshold=0.4)
    assert_close(metric.result(), _iou(tp, fp, fn))


def test_sample_weight_is_a_mask(rng):
    labels, probs = _batch(rng)
    weighted = IoU(3)
    weighted.update_state(labels, probs, sample_weight=np.array([0.0, 2.5]))
    only = IoU(3)
    only.update_state(labels[1:], probs[1:])
    assert_close(weighted.result(), to_numpy(only.result()))


def test_counts_stay_exact_past_two_to_the_24(rng):
    """72 updates of 2**18 pixels: 18.9 million pixels, past float32's 16.8 million."""
    labels = np.ones((1, 512, 512, 1), np.float32)
    probs = np.zeros((1, 512, 512, 2), np.float32)
    probs[..., 1] = 1.0
    probs[0, 0, :3] = [1.0, 0.0]  # 3 pixels of class 1 missed per update
    metric = IoU(2)
    updates = 72
    for _ in range(updates):
        metric.update_state(labels, probs)
    counts = metric.counts()
    assert counts["tp"][1] == updates * (512 * 512 - 3) > 2**24
    assert counts["fn"][1] == updates * 3
    # float32 accumulation would have stalled: 2**24 + 1 is not a float32
    assert np.float32(2**24) + np.float32(1) == np.float32(2**24)


def test_counter_carry_at_the_state_level():
    metric = Dice(2)
    high = np.array([5000, 0], np.int32)  # 5000 * 2**20: far past 2**31 in total
    low = np.array([RADIX - 2, 7], np.int32)
    metric.tp.high.assign(high)
    metric.tp.low.assign(low)
    metric.tp.add(np.array([5, 1], np.int32))
    exact = metric.tp.exact()
    assert exact[0] == 5000 * RADIX + RADIX - 2 + 5 and exact[1] == 8
    assert int(to_numpy(metric.tp.low)[0]) == 3 and int(to_numpy(metric.tp.high)[0]) == 5001


def test_thresholded_mean_iou_matches_reference_and_accumulates(rng):
    metric = ThresholdedMeanIoU(ignore_class=VOID)
    all_true, all_pred = [], []
    for _ in range(2):
        y_true = (rng.random((2, 8, 8, 1)) < 0.3).astype(np.float64)
        y_true[:, 0] = VOID
        y_pred = rng.random((2, 8, 8, 1))
        metric.update_state(y_true, y_pred)
        all_true.append(y_true)
        all_pred.append(y_pred)
    thresholds = [0.5 + 0.05 * i for i in range(10)]
    expected = ref.reference_thresholded_mean_iou(
        np.concatenate(all_true), np.concatenate(all_pred), thresholds, VOID
    )
    assert_close(metric.result(), expected)


def test_thresholded_mean_iou_equals_two_class_mean_iou_at_one_threshold(rng):
    y_true = (rng.random((2, 8, 8, 1)) < 0.4).astype(np.float64)
    y_pred = rng.random((2, 8, 8, 1))
    ours = ThresholdedMeanIoU(thresholds=[0.6])
    ours.update_state(y_true, y_pred)
    theirs = keras.metrics.MeanIoU(num_classes=2)
    theirs.update_state(y_true[..., 0], (y_pred[..., 0] > 0.6).astype(np.int32))
    assert_close(ours.result(), to_numpy(theirs.result()))


def test_metrics_train_in_a_model_and_round_trip_their_config(rng):
    inputs = keras.Input((8, 8, 1))
    outputs = keras.layers.Conv2D(3, 1, activation="softmax")(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=[IoU(3, average="mean"), Dice(3, average="mean")],
    )
    x = rng.random((4, 8, 8, 1)).astype("float32")
    labels, _ = _batch(rng, n=4)
    logs = model.evaluate(x, labels, batch_size=2, verbose=0, return_dict=True)
    metric = IoU(3, average="mean")
    metric.update_state(labels, model.predict(x, verbose=0))
    assert_close(logs["iou"], to_numpy(metric.result()))
    for m in (IoU(3, ignore_class=[VOID]), Dice(2, threshold=0.3), ThresholdedMeanIoU(thresholds=[0.5, 0.7])):
        restored = type(m).from_config(m.get_config())
        assert restored.get_config() == m.get_config()


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: IoU(1), "num_classes"),
        (lambda: IoU(3, average="micro"), "average"),
        (lambda: ThresholdedMeanIoU(thresholds=[0.5, 1.5]), "thresholds"),
        (lambda: Dice(3, ignore_class="void"), "ignore_class"),
    ],
    ids=["one_class", "average", "thresholds", "ignore_class"],
)
def test_bad_metric_options_raise(make, match):
    with pytest.raises((ValueError, TypeError), match=rf"(?s)`{match}`.*Received"):
        make()


def test_channels_that_do_not_match_num_classes_raise(rng):
    labels, probs = _batch(rng)
    with pytest.raises(ValueError, match=r"(?s)channels.*Received"):
        IoU(4).update_state(labels, probs)
