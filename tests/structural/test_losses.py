"""Structural and restoration losses beyond the contract: peers, known answers, class == function,
scale invariance, finite gradients, and a short denoising training run."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from imagelosses import (
    CharbonnierLoss,
    MSSSIML1Loss,
    MSSSIMLoss,
    PSNRLoss,
    SSIMLoss,
    TotalVariationLoss,
    charbonnier_loss,
    ms_ssim_l1_loss,
    ms_ssim_loss,
    psnr,
    psnr_loss,
    ssim,
    ssim_loss,
    total_variation_loss,
)
from tests.conftest import BACKEND, assert_close, gradient, to_numpy
from tests.reference.structural import reference_ms_ssim_l1, reference_psnr
from tests.structural.helpers import value_and_gradient

TWO_SCALES = {"power_factors": (0.4, 0.6), "filter_size": 5}
FUNCTIONS = [
    (SSIMLoss, ssim_loss, {"filter_size": 7, "max_val": 2.0, "k2": 0.05}),
    (MSSSIMLoss, ms_ssim_loss, TWO_SCALES),
    (MSSSIML1Loss, ms_ssim_l1_loss, {"alpha": 0.5, **TWO_SCALES}),
    (CharbonnierLoss, charbonnier_loss, {"epsilon": 0.1}),
    (TotalVariationLoss, total_variation_loss, {}),
    (PSNRLoss, psnr_loss, {"max_val": 2.0}),
]


@pytest.mark.parametrize("cls, fn, options", FUNCTIONS, ids=lambda v: getattr(v, "__name__", ""))
def test_class_calls_its_function_with_its_options(cls, fn, options, rng):
    y_true, y_pred = rng.random((2, 2, 20, 20, 2))
    loss = cls(**options)
    assert_close(loss.call(y_true, y_pred), to_numpy(fn(y_true, y_pred, **options)))
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(restored) is cls and restored.get_config() == loss.get_config()


def test_psnr_equals_tf_image_psnr_and_is_capped_for_identical_images(rng):
    y_true, y_pred = rng.random((2, 3, 12, 12, 3)).astype(np.float32)[:2]
    assert_close(psnr(y_true, y_pred), tf.image.psnr(y_true, y_pred, max_val=1.0).numpy(), rtol=1e-5)
    assert_close(psnr(y_true, y_pred), reference_psnr(y_true, y_pred))
    identical = to_numpy(psnr(y_true, y_true))
    assert np.all(np.isfinite(identical)) and np.allclose(identical, 100.0, atol=1e-4)
    grad = gradient(lambda v: psnr_loss(y_true, v), y_true)
    assert np.all(np.isfinite(grad))


def test_total_variation_equals_tf_image_total_variation_and_ignores_y_true(rng):
    y_pred = rng.random((3, 9, 11, 2)).astype(np.float32)
    expected = tf.image.total_variation(tf.constant(y_pred)).numpy()
    assert_close(total_variation_loss(np.zeros_like(y_pred), y_pred), expected, rtol=1e-5)
    assert_close(total_variation_loss(rng.random(y_pred.shape), y_pred), expected, rtol=1e-5)
    volume = rng.random((2, 4, 5, 6, 1))
    expected_3d = sum(np.abs(np.diff(volume, axis=a)).sum(axis=(1, 2, 3, 4)) for a in (1, 2, 3))
    assert_close(total_variation_loss(volume, volume), expected_3d)
    with pytest.raises(ValueError, match=r"same shape.*Received"):
        total_variation_loss(np.zeros((3, 9, 10, 2)), y_pred)


def test_charbonnier_is_epsilon_for_identical_images_and_near_l1_otherwise(rng):
    y = rng.random((2, 8, 8, 1))
    assert_close(charbonnier_loss(y, y, epsilon=1e-3), np.full(2, 1e-3))
    far = y + 0.5
    assert_close(charbonnier_loss(y, far, epsilon=1e-3), np.full(2, 0.5), rtol=1e-5)
    assert np.all(np.isfinite(gradient(lambda v: charbonnier_loss(y, v), y)))


def test_ms_ssim_l1_matches_the_float64_reference(rng):
    y_true = rng.random((2, 24, 26, 2))
    y_pred = np.clip(y_true + 0.1 * rng.standard_normal(y_true.shape), 0, 1)
    assert_close(
        ms_ssim_l1_loss(y_true, y_pred, alpha=0.84, **TWO_SCALES),
        reference_ms_ssim_l1(y_true, y_pred, alpha=0.84, **TWO_SCALES),
        rtol=1e-4,
    )


@pytest.mark.parametrize(
    "fn, options",
    [
        (psnr, {}),
        (ssim_loss, {"filter_size": 7}),
        (ms_ssim_l1_loss, TWO_SCALES),
    ],
)
def test_scaling_images_and_max_val_together_changes_nothing(fn, options, rng):
    y_true = rng.random((2, 24, 24, 1)).astype(np.float32)
    y_pred = np.clip(y_true + 0.1 * rng.standard_normal(y_true.shape), 0, 1).astype(np.float32)
    base = to_numpy(fn(y_true, y_pred, **options))
    assert_close(fn(255.0 * y_true, 255.0 * y_pred, max_val=255.0, **options), base, rtol=1e-4)


@pytest.mark.parametrize(
    "make",
    [
        lambda: {"alpha": 1.5, **TWO_SCALES},
        lambda: {"alpha": -0.1, **TWO_SCALES},
    ],
)
def test_alpha_outside_the_unit_interval_raises(make):
    y = np.zeros((1, 24, 24, 1))
    with pytest.raises(ValueError, match=r"`alpha`.*Received: alpha="):
        ms_ssim_l1_loss(y, y, **make())


def test_charbonnier_epsilon_must_be_positive():
    y = np.zeros((1, 8, 8, 1))
    with pytest.raises(ValueError, match=r"`epsilon`. Expected a number > 0.0. Received: epsilon=0"):
        charbonnier_loss(y, y, epsilon=0)


@pytest.mark.parametrize(
    "fn, options",
    [
        (ssim_loss, {"filter_size": 7}),
        (ms_ssim_loss, TWO_SCALES),
        (ms_ssim_l1_loss, TWO_SCALES),
        (psnr_loss, {}),
        (charbonnier_loss, {}),
        (total_variation_loss, {}),
    ],
)
def test_gradients_are_finite_on_identical_constant_and_extreme_images(fn, options, rng):
    y = rng.random((2, 20, 20, 1)).astype(np.float32)
    pairs = [
        (y, y),
        (np.full_like(y, 0.5), np.full_like(y, 0.5)),
        (y, 1.0 - y),
        (np.zeros_like(y), np.ones_like(y)),
        (np.ones_like(y), np.ones_like(y)),
    ]
    step = value_and_gradient(lambda t, p: fn(t, p, **options))
    for y_true, y_pred in pairs:
        values, grad = step(y_true, y_pred)
        assert np.all(np.isfinite(values)) and np.all(np.isfinite(grad)), fn.__name__


def _denoising_data(rng, n, size=24):
    """Smooth random images (bicubic-upsampled 6x6 noise) and their noisy copies."""
    coarse = rng.random((n, 6, 6, 1)).astype(np.float32)
    clean = np.clip(tf.image.resize(coarse, (size, size), method="bicubic").numpy(), 0, 1)
    noisy = np.clip(clean + 0.15 * rng.standard_normal(clean.shape), 0, 1).astype(np.float32)
    return noisy, clean.astype(np.float32)


def test_training_with_ssim_loss_improves_ssim_on_held_out_images(rng):
    x_train, y_train = _denoising_data(rng, 48)
    x_test, y_test = _denoising_data(rng, 8)
    inputs = keras.Input((24, 24, 1))
    hidden = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    residual = keras.layers.Conv2D(1, 3, padding="same")(hidden)
    model = keras.Model(inputs, keras.layers.Add()([inputs, residual]))
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3), loss=SSIMLoss(filter_size=7), jit_compile=BACKEND != "torch"
    )
    before = float(np.mean(to_numpy(ssim(y_test, model.predict(x_test, verbose=0), filter_size=7))))
    model.fit(x_train, y_train, batch_size=8, epochs=6, verbose=0)
    after = float(np.mean(to_numpy(ssim(y_test, model.predict(x_test, verbose=0), filter_size=7))))
    assert after > before + 0.05, (before, after)
