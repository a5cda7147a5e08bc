"""The focal frequency loss beyond the contract: the batch mean equals the authors' loss
(`focal_frequency_loss` 0.3.0, through a float64 reference of its definition: the package cannot be
imported here) for every option, per-image values, the batch coupling of `batch_matrix` and
`ave_spectrum`, a gradient with the weights held fixed, and errors."""

import keras
import numpy as np
import pytest

from imagelosses import FocalFrequencyLoss, focal_frequency_loss
from tests.conftest import BACKEND, assert_close, compiled, gradient, to_numpy
from tests.reference.restoration import (
    focal_frequency_gradient,
    reference_focal_frequency,
    reference_focal_frequency_per_image,
)
from tests.structural.helpers import value_and_gradient


def _pair(rng, shape=(3, 16, 12, 2)):
    y_true = rng.random(shape).astype(np.float32)
    y_pred = np.clip(y_true + 0.2 * rng.standard_normal(shape), 0.0, 1.0).astype(np.float32)
    return y_true, y_pred


def _nchw(x):
    return np.moveaxis(np.float64(x), -1, 1)


OPTIONS = [
    {},
    {"alpha": 2.0},
    {"alpha": 0.0},
    {"patch_factor": 2},
    {"patch_factor": 4, "alpha": 0.5},
    {"log_matrix": True},
    {"batch_matrix": True},
    {"ave_spectrum": True},
    {"ave_spectrum": True, "batch_matrix": True, "log_matrix": True, "patch_factor": 2},
]


@pytest.mark.parametrize(
    "options", OPTIONS, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()) or "default"
)
def test_batch_mean_equals_the_authors_loss(options, rng):
    y_true, y_pred = _pair(rng)  # H != W: 16 x 12, patches 8 x 6 and 4 x 3
    values = compiled(lambda t, p: focal_frequency_loss(t, p, **options))(y_true, y_pred)
    assert tuple(values.shape) == (3,)
    expected = reference_focal_frequency(_nchw(y_true), _nchw(y_pred), **options)
    assert_close(np.mean(to_numpy(values)), expected)


@pytest.mark.parametrize("options", [{}, {"patch_factor": 2, "log_matrix": True, "alpha": 1.5}])
def test_per_image_value_is_the_authors_loss_of_that_image_alone(options, rng):
    y_true, y_pred = _pair(rng)
    values = compiled(lambda t, p: focal_frequency_loss(t, p, **options))(y_true, y_pred)
    assert_close(values, reference_focal_frequency_per_image(y_true, y_pred, **options))


def _ffl(**options):
    return compiled(lambda t, p: focal_frequency_loss(t, p, **options))


def test_ave_spectrum_and_batch_matrix_couple_the_images_of_a_batch(rng):
    y_true, y_pred = _pair(rng)
    averaged = to_numpy(_ffl(ave_spectrum=True)(y_true, y_pred))
    assert np.all(averaged == averaged[0])  # every image gets the batch's value
    batch = to_numpy(_ffl(batch_matrix=True)(y_true, y_pred))
    changed = y_pred.copy()
    changed[2] = 1.0 - y_true[2]  # a worse third image raises the batch maximum
    after = to_numpy(_ffl(batch_matrix=True)(y_true, changed))
    assert np.all(after[:2] < batch[:2])  # ... and lowers the first two images' weights
    alone = to_numpy(_ffl()(y_true, changed))
    assert_close(alone[:2], to_numpy(_ffl()(y_true, y_pred))[:2])  # default: independent


def test_sequences_are_frames_and_channels_first_is_the_same(rng):
    y_true, y_pred = _pair(rng, (2, 3, 8, 8, 1))
    values = _ffl(spatial_dims=2, batch_matrix=True)(y_true, y_pred)
    assert tuple(values.shape) == (2, 3)
    frames = (y_true.reshape(6, 8, 8, 1), y_pred.reshape(6, 8, 8, 1))
    expected = reference_focal_frequency(*(_nchw(f) for f in frames), batch_matrix=True)
    assert_close(np.mean(to_numpy(values)), expected)
    first = _ffl(spatial_dims=2, batch_matrix=True, data_format="channels_first")(
        np.moveaxis(y_true, -1, 2), np.moveaxis(y_pred, -1, 2)
    )
    assert_close(first, to_numpy(values))


def test_batch_coupled_options_with_a_none_batch_and_an_empty_batch(rng):
    options = {"ave_spectrum": True, "batch_matrix": True, "patch_factor": 2}
    y_true, y_pred = _pair(rng, (3, 8, 8, 1))
    fn = _ffl(**options)
    if BACKEND == "tensorflow":  # a traced batch size of None, as in a Keras model
        import tensorflow as tf

        spec = tf.TensorSpec((None, 8, 8, 1), tf.float32)
        fn = tf.function(lambda t, p: focal_frequency_loss(t, p, **options), input_signature=[spec, spec])
    values = fn(y_true, y_pred)
    assert tuple(values.shape) == (3,)
    assert_close(values, np.full(3, reference_focal_frequency(_nchw(y_true), _nchw(y_pred), **options)))
    assert tuple(focal_frequency_loss(y_true[:0], y_pred[:0], **options).shape) == (0,)


def test_gradient_holds_the_weights_fixed(rng):
    y_true, y_pred = _pair(rng, (2, 8, 8, 1))
    grad = gradient(lambda p: focal_frequency_loss(y_true, p, alpha=1.0), y_pred, jit=True)
    expected = np.moveaxis(focal_frequency_gradient(_nchw(y_true), _nchw(y_pred), alpha=1.0), 1, -1)
    assert_close(grad, expected, atol=1e-7)


@pytest.mark.parametrize("options", [{}, {"batch_matrix": True}, {"ave_spectrum": True}, {"alpha": 0.0}])
def test_identical_images_score_zero_with_a_finite_zero_gradient(options, rng):
    y = rng.random((2, 8, 8, 1)).astype(np.float32)
    step = value_and_gradient(lambda t, p: focal_frequency_loss(t, p, **options))
    for same in (y, np.zeros_like(y)):
        values, grad = step(same, same)
        assert np.all(values == 0.0) and np.all(grad == 0.0)
    half = y.copy()
    half[1] = y[1] + 0.1  # one image identical, the other not (its flat offset is DC only)
    values, grad = step(y, half)
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(grad))


def test_class_calls_its_function_and_round_trips_its_options(rng):
    options = {
        "alpha": 0.5,
        "patch_factor": 2,
        "ave_spectrum": True,
        "log_matrix": True,
        "batch_matrix": True,
    }
    y_true, y_pred = _pair(rng, (2, 8, 8, 1))
    loss = FocalFrequencyLoss(**options)
    assert_close(compiled(loss)(y_true, y_pred), np.mean(to_numpy(_ffl(**options)(y_true, y_pred))))
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(restored) is FocalFrequencyLoss and restored.get_config() == loss.get_config()


def test_volumes_are_refused_naming_spatial_dims():
    volume = np.zeros((2, 8, 8, 8, 1), np.float32)
    with pytest.raises(ValueError, match=r"(?s)`spatial_dims`. Expected 2.*Received: y_pred.shape=.*3D"):
        focal_frequency_loss(volume, volume)
    with pytest.raises(ValueError, match=r"`spatial_dims`. Expected 2"):
        FocalFrequencyLoss(spatial_dims=3).call(volume, volume)


def test_patch_factor_must_divide_height_and_width():
    y = np.zeros((1, 16, 12, 1), np.float32)
    with pytest.raises(ValueError, match=r"`patch_factor`. Expected a divisor.*\(16, 12\).*patch_factor=3"):
        focal_frequency_loss(y, y, patch_factor=3)
    assert tuple(_ffl(patch_factor=4)(y, y).shape) == (1,)


@pytest.mark.parametrize(
    "options, error",
    [
        ({"alpha": -1.0}, ValueError),
        ({"patch_factor": 0}, ValueError),
        ({"patch_factor": 2.0}, TypeError),
        ({"ave_spectrum": 1}, TypeError),
        ({"log_matrix": "yes"}, TypeError),
        ({"batch_matrix": None}, TypeError),
    ],
)
def test_bad_options_fail_at_construction(options, error):
    (name,) = options
    with pytest.raises(error, match=rf"`{name}`"):
        FocalFrequencyLoss(**options)
