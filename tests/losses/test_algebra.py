"""Loss algebra: `+`, scalar `*`, WeightedSum, term metrics, serialization."""

import keras
import numpy as np
import pytest

from imagelosses import LaplacianLoss, SobelLoss, WeightedSum
from imagelosses.losses.base import LossTerm
from tests.conftest import assert_close, to_numpy
from tests.reference.losses import reference_laplacian_loss, reference_mse, reference_sobel_loss


@pytest.fixture
def images(rng):
    return rng.random((3, 12, 12, 1)), rng.random((3, 12, 12, 1))


def test_expression_is_a_flat_weighted_sum(images):
    y_true, y_pred = images
    loss = 0.5 * (SobelLoss() + 2 * LaplacianLoss()) + keras.losses.MeanSquaredError()
    assert isinstance(loss, WeightedSum)
    assert loss.weights == [0.5, 1.0, 1.0]
    expected = (
        0.5 * reference_sobel_loss(y_true, y_pred)
        + reference_laplacian_loss(y_true, y_pred)
        + reference_mse(y_true, y_pred)
    )
    assert_close(loss.call(y_true, y_pred), expected)
    assert_close(loss(y_true, y_pred), expected.mean())


def test_keras_loss_on_the_left_and_python_sum(images):
    y_true, y_pred = images
    left = keras.losses.MeanAbsoluteError() + SobelLoss()
    assert isinstance(left, WeightedSum) and isinstance(left.terms[1], SobelLoss)
    total = sum([SobelLoss(), LaplacianLoss()])
    assert_close(
        total.call(y_true, y_pred),
        reference_sobel_loss(y_true, y_pred) + reference_laplacian_loss(y_true, y_pred),
    )


def test_names_and_functions_as_terms_are_averaged_per_image(images):
    y_true, y_pred = images
    loss = WeightedSum([SobelLoss(), "mse", lambda t, p: keras.ops.abs(t - p)], weights=[0.2, 0.8, 1.0])
    assert tuple(loss.call(y_true, y_pred).shape) == (3,)
    mae = np.abs(y_true - y_pred).reshape(3, -1).mean(axis=1)
    assert_close(
        loss.call(y_true, y_pred),
        0.2 * reference_sobel_loss(y_true, y_pred) + 0.8 * reference_mse(y_true, y_pred) + mae,
    )


def test_sequences_keep_their_time_axis(rng):
    y_true, y_pred = rng.random((2, 2, 4, 8, 8, 1))
    loss = SobelLoss(spatial_dims=2) + keras.losses.MeanSquaredError()
    assert tuple(loss.call(y_true, y_pred).shape) == (2, 4)


def test_config_round_trip_rebuilds_every_term(images):
    y_true, y_pred = images
    loss = 0.3 * SobelLoss(distance="mae", mode="mirror") + WeightedSum(["mae"], weights=[2.0])
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert restored.weights == loss.weights
    assert restored.terms[0].get_config() == loss.terms[0].get_config()
    assert_close(restored(y_true, y_pred), to_numpy(loss(y_true, y_pred)))


def test_term_metrics_log_each_unweighted_term_during_fit(images):
    y_true, y_pred = images
    loss = 0.2 * SobelLoss() + keras.losses.MeanSquaredError()
    metrics = loss.term_metrics()
    assert [m.name for m in metrics] == ["sobel_loss", "mean_squared_error"]
    metrics[0].update_state(y_true, y_pred)
    assert_close(metrics[0].result(), reference_sobel_loss(y_true, y_pred).mean())
    restored = LossTerm.from_config(metrics[0].get_config())
    assert isinstance(restored.loss, SobelLoss)

    model = keras.Sequential([keras.Input((12, 12, 1)), keras.layers.Conv2D(1, 3, padding="same")])
    model.compile(optimizer="adam", loss=loss, metrics=metrics)
    history = model.fit(y_pred, y_true, epochs=1, verbose=0)
    assert {"loss", "sobel_loss", "mean_squared_error"} <= set(history.history)


def test_repeated_term_names_are_made_distinct():
    loss = SobelLoss() + SobelLoss(distance="mae")
    assert loss.term_names() == ["sobel_loss", "sobel_loss_1"]


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: WeightedSum([]), ValueError, r"`losses`.*non-empty"),
        (lambda: WeightedSum(["mse", "mae"], weights=[1.0]), ValueError, r"same length.*weights=\[1.0\]"),
        (lambda: WeightedSum(["no_such_loss"]), ValueError, r"not a known Keras loss.*'no_such_loss'"),
        (lambda: WeightedSum([3]), TypeError, r"`losses`.*Received item 0: 3"),
        (lambda: WeightedSum(["mse"], weights=["a"]), TypeError, r"`weights`.*'a'"),
    ],
)
def test_bad_sums_raise(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_multiplying_by_a_non_number_is_a_type_error():
    with pytest.raises(TypeError):
        SobelLoss() * "2"
