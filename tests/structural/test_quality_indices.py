"""VIF-P, UQI, SAM and ERGAS: values against torchmetrics 1.9 and float64 references, the roles of
y_true and y_pred, the documented conventions where the peer is undefined, layouts, 3D, errors,
gradients, the stateful metrics and a `None` batch under jit."""

import math
import re

import keras
import numpy as np
import pytest

from imagelosses import ergas, spectral_angle_mapper, ssim, uqi, vif_p
from imagelosses.metrics import ERGAS, SAM, UQI, VIF
from imagelosses.structural.quality import UQI_EPSILON, VIF_MIN_SIZE
from tests.conftest import BACKEND, assert_close, compiled, gradient, to_numpy
from tests.reference.quality_indices import reference_ergas, reference_sam, reference_uqi, reference_vif

torch = pytest.importorskip("torch", reason="torchmetrics, the peer of these indices, runs on torch")
tm_image = pytest.importorskip(
    "torchmetrics.functional.image", reason="torchmetrics 1.9 is the peer of VIF, UQI, SAM and ERGAS"
)

RTOL = 1e-5  # the parity target with torchmetrics 1.9, float32 against float32 and float64


def _nchw(a, dtype=np.float32):
    """channels_last numpy -> a torch (N, C, H, W) tensor, as torchmetrics takes it."""
    return torch.tensor(np.moveaxis(np.asarray(a, dtype), -1, 1))


def _peer(fn, y_true, y_pred, dtype=np.float32, **options):
    """torchmetrics' per-image values: its argument order is (preds, target) = (y_pred, y_true)."""
    out = fn(_nchw(y_pred, dtype), _nchw(y_true, dtype), reduction="none", **options).numpy()
    return out.reshape(out.shape[0], -1).mean(axis=1)  # maps (UQI, SAM) averaged per image


_COMPILED = {}


def _run(fn, y_true, y_pred, **options):
    """`fn(y_true, y_pred, **options)` as float64 numpy, compiled once per function and options on
    jax (eager jax compiles every op of VIF's four scales separately: 15 s per shape against 4 s)."""
    key = (fn, tuple(sorted(options.items())))
    if key not in _COMPILED:
        _COMPILED[key] = compiled(lambda t, p: fn(t, p, **options))
    return to_numpy(_COMPILED[key](y_true, y_pred))


def _degraded(rng, shape, scale=1.0, noise=0.1):
    """A random image and a blurred (2-tap mean), noisy copy, on [0, scale]: structure in both."""
    y_true = rng.random(shape)
    blurred = 0.5 * (y_true + np.roll(y_true, 1, axis=1))
    y_pred = np.clip(blurred + noise * rng.standard_normal(shape), 0.0, 1.0)
    return (scale * y_true).astype(np.float32), (scale * y_pred).astype(np.float32)


# VIF-P.
@pytest.mark.parametrize("shape, noise", [((2, 41, 41, 1), 0.1), ((2, 45, 52, 2), 0.02)])
def test_vif_equals_torchmetrics_in_float64_and_within_its_float32_error(shape, noise, rng):
    """torchmetrics in float32 is itself up to 2.5e-5 (relative) from its float64 value on these
    0-255 images (measured; the cancellation of E[x**2] - E[x]**2 at 255**2, which vif_p avoids by
    centring each image). We hold 1e-5 against float64 and, against float32, 1e-5 beyond the
    peer's own distance to float64 (measured: 6.2e-7 and 2.5e-5)."""
    y_true, y_pred = _degraded(rng, shape, scale=255.0, noise=noise)
    values = _run(vif_p, y_true, y_pred)
    exact = _peer(tm_image.visual_information_fidelity, y_true, y_pred, np.float64)
    assert_close(values, exact, rtol=RTOL, atol=0)
    assert_close(values, reference_vif(y_true, y_pred), rtol=RTOL, atol=0)
    peer32 = _peer(tm_image.visual_information_fidelity, y_true, y_pred, np.float32)
    assert np.all(np.abs(values - peer32) <= np.abs(peer32 - exact) + RTOL * exact)


def test_vif_equals_torchmetrics_for_random_noise_variances(rng):
    y_true, y_pred = _degraded(rng, (2, 41, 41, 1))  # [0, 1] intensities
    for sigma_n_sq in rng.uniform(0.2, 5.0, size=1) / 255.0**2:
        options = dict(sigma_n_sq=float(sigma_n_sq))
        values = _run(vif_p, y_true, y_pred, **options)
        exact = _peer(tm_image.visual_information_fidelity, y_true, y_pred, np.float64, **options)
        assert_close(values, exact, rtol=RTOL, atol=0)
        peer32 = _peer(tm_image.visual_information_fidelity, y_true, y_pred, **options)
        assert np.all(np.abs(values - peer32) <= np.abs(peer32 - exact) + RTOL * exact)


def test_vif_reads_y_true_as_the_reference(rng):
    y_true, y_pred = _degraded(rng, (2, 41, 41, 1), scale=255.0)
    swapped = _peer(tm_image.visual_information_fidelity, y_pred, y_true)
    assert not np.allclose(_run(vif_p, y_true, y_pred), swapped, rtol=1e-2)
    assert float(_run(vif_p, y_true, y_true)[0]) == pytest.approx(1.0, rel=1e-6)


def test_vif_of_a_flat_reference_is_1_where_torchmetrics_gives_nan(rng):
    flat = np.full((2, 41, 41, 1), 100.0, np.float32)
    noisy = (flat + 10 * rng.standard_normal(flat.shape)).astype(np.float32)
    # float64: torchmetrics' float32 variances of a constant are rounding noise above its 1e-10
    assert np.isnan(_peer(tm_image.visual_information_fidelity, flat, noisy, np.float64)).all()
    assert_close(_run(vif_p, flat, noisy), [1.0, 1.0])  # centred: exactly flat, every window masked


@pytest.mark.parametrize("shape", [(2, 40, 41, 1), (2, 41, 40, 1)])
def test_vif_below_its_minimum_size_names_y_pred_its_shape_and_the_minimum(shape):
    x = np.zeros(shape, np.float32)
    message = rf"`y_pred`.*at least {VIF_MIN_SIZE}.*Received: y_pred.shape={re.escape(str(shape))}"
    with pytest.raises(ValueError, match=message):
        vif_p(x, x)
    grown = np.zeros((2, VIF_MIN_SIZE, VIF_MIN_SIZE, 1), np.float32)
    assert _run(vif_p, grown, grown).shape == (2,)  # 41 is enough


def test_vif_volumes_and_sequences(rng):
    volume_true, volume_pred = _degraded(rng, (1, 41, 41, 42, 1), scale=255.0)
    assert_close(
        _run(vif_p, volume_true, volume_pred), reference_vif(volume_true, volume_pred), rtol=RTOL, atol=0
    )
    frames_true, frames_pred = _degraded(rng, (2, 2, 41, 41, 1), scale=255.0)
    per_frame = _run(vif_p, frames_true, frames_pred, spatial_dims=2)
    assert tuple(per_frame.shape) == (2, 2)
    expected = reference_vif(frames_true.reshape(4, 41, 41, 1), frames_pred.reshape(4, 41, 41, 1))
    assert_close(per_frame, expected.reshape(2, 2), rtol=RTOL, atol=0)


def test_vif_channels_first_equals_channels_last(rng):
    y_true, y_pred = _degraded(rng, (2, 45, 52, 2), scale=255.0)
    last = _run(vif_p, y_true, y_pred, data_format="channels_last")
    first = _run(vif_p, np.moveaxis(y_true, -1, 1), np.moveaxis(y_pred, -1, 1), data_format="channels_first")
    assert_close(first, to_numpy(last))


# UQI.
@pytest.mark.parametrize("shape, size, sigma", [((2, 24, 27, 3), 11, 1.5), ((3, 16, 16, 1), 7, 1.1)])
def test_uqi_equals_torchmetrics(shape, size, sigma, rng):
    y_true, y_pred = _degraded(rng, shape)
    options = dict(kernel_size=(size, size), sigma=(sigma, sigma))
    expected = _peer(tm_image.universal_image_quality_index, y_true, y_pred, **options)
    values = uqi(y_true, y_pred, filter_size=size, filter_sigma=sigma)
    assert_close(values, expected, rtol=RTOL, atol=0)
    assert_close(values, reference_uqi(y_true, y_pred, size, sigma), rtol=RTOL, atol=0)


def test_uqi_is_ssim_with_zero_constants_on_textured_images_but_not_on_black_ones(rng):
    y_true, y_pred = _degraded(rng, (2, 24, 24, 2))
    # textured windows: (mu**2 + nu**2)(s_x + s_y) ~ 0.05 >> UQI_EPSILON, the relation holds to 1e-5
    assert_close(uqi(y_true, y_pred), to_numpy(ssim(y_true, y_pred, k1=0.0, k2=0.0)), rtol=RTOL, atol=0)
    black = np.zeros((1, 16, 16, 1), np.float32)
    assert_close(uqi(black, black), [0.0])  # 0 / UQI_EPSILON, torchmetrics' value
    assert_close(ssim(black, black, k1=0.0, k2=0.0), [1.0])  # ssim's 0 / 0 rule: agreeing windows
    assert_close(_peer(tm_image.universal_image_quality_index, black, black), [0.0])
    assert UQI_EPSILON == float(np.finfo(np.float32).eps)


def test_uqi_volumes_sequences_and_channels_first(rng):
    y_true, y_pred = _degraded(rng, (2, 9, 10, 11, 2))
    values = _run(uqi, y_true, y_pred, filter_size=5)
    assert_close(values, reference_uqi(y_true, y_pred, 5), rtol=RTOL, atol=0)
    moved = [np.moveaxis(y, -1, 1) for y in (y_true, y_pred)]
    assert_close(_run(uqi, *moved, filter_size=5, data_format="channels_first"), values)
    frames = _run(uqi, y_true[:, :2], y_pred[:, :2], filter_size=5, spatial_dims=2)
    expected = reference_uqi(y_true[:, :2].reshape(4, 10, 11, 2), y_pred[:, :2].reshape(4, 10, 11, 2), 5)
    assert_close(frames, expected.reshape(2, 2), rtol=RTOL, atol=0)


def test_uqi_below_the_window_size_raises():
    with pytest.raises(
        ValueError, match=r"`y_pred` is too small for UQI.*at least 11.*Received: y_pred.shape"
    ):
        uqi(np.zeros((1, 10, 16, 1)), np.zeros((1, 10, 16, 1)))


# SAM.
def test_sam_equals_torchmetrics_in_float32_and_float64(rng):
    y_true = rng.random((3, 16, 18, 4)).astype(np.float32)
    y_pred = (y_true + 0.3 * rng.standard_normal(y_true.shape)).astype(np.float32)
    values = spectral_angle_mapper(y_true, y_pred)
    for dtype in (np.float32, np.float64):
        assert_close(values, _peer(tm_image.spectral_angle_mapper, y_true, y_pred, dtype), rtol=RTOL, atol=0)
    assert_close(values, reference_sam(y_true, y_pred), rtol=RTOL, atol=0)


def test_sam_at_small_angles_is_exact_where_torchmetrics_float32_acos_is_not(rng):
    y_true = rng.random((2, 16, 16, 4)).astype(np.float32)
    y_pred = (y_true + 1e-3 * rng.standard_normal(y_true.shape)).astype(np.float32)  # angles ~1.5e-3
    exact = _peer(tm_image.spectral_angle_mapper, y_true, y_pred, np.float64)
    assert_close(spectral_angle_mapper(y_true, y_pred), exact, rtol=1e-5, atol=0)
    peer32 = _peer(tm_image.spectral_angle_mapper, y_true, y_pred, np.float32)
    assert np.max(np.abs(peer32 - exact) / exact) > 1e-4  # measured: 1.4e-3 relative


def test_sam_zero_spectra_score_pi_over_2_alone_and_0_in_pairs_never_nan(rng):
    y_true = rng.random((1, 4, 4, 3)).astype(np.float32) + 0.1
    y_pred = y_true.copy()
    y_pred[0, 0, 0] = 0.0  # one zero spectrum: pi / 2
    y_true[0, 1, 1] = y_pred[0, 1, 1] = 0.0  # both zero: identical, 0
    values = to_numpy(spectral_angle_mapper(y_true, y_pred))
    assert_close(values, [0.5 * math.pi / 16])
    assert_close(values, reference_sam(y_true, y_pred))
    assert np.isnan(_peer(tm_image.spectral_angle_mapper, y_true, y_pred)).all()  # the peer's 0 / 0


@pytest.mark.parametrize("jit", [False, True])
def test_sam_gradient_is_finite_at_angle_zero_and_at_zero_spectra(jit, rng):
    """The angle is 1/|y_pred|-Lipschitz per pixel, with a kink at 0: the gradient there is finite
    and within that bound (0 where u - v rounds to exactly 0; under XLA rounding may pick another
    subgradient)."""
    y_true = rng.random((2, 6, 6, 3)).astype(np.float32) + 0.1
    fn = lambda v: spectral_angle_mapper(y_true, v)  # noqa: E731
    pixels = 36
    for y_pred in (y_true, 2.0 * y_true):  # angle 0 everywhere
        grad = gradient(fn, y_pred, jit=jit)
        assert np.all(np.isfinite(grad))
        bound = 1.0 / (pixels * np.linalg.norm(y_pred, axis=-1))
        assert np.all(np.linalg.norm(grad, axis=-1) <= 1.01 * bound)
    y_pred = y_true + 0.1 * rng.standard_normal(y_true.shape).astype(np.float32)
    y_pred[0, 0, 0] = 0.0
    y_pred[1, 2] = y_true[1, 2]  # a row at angle 0 beside non-zero angles
    grad = gradient(fn, y_pred, jit=jit)
    assert np.all(np.isfinite(grad)) and np.any(grad != 0)
    assert np.all(grad[0, 0, 0] == 0.0)  # a zero spectrum passes no gradient


def test_sam_volumes_sequences_and_channels_first(rng):
    y_true, y_pred = rng.random((2, 2, 8, 9, 10, 3)).astype(np.float32)
    assert_close(spectral_angle_mapper(y_true, y_pred), reference_sam(y_true, y_pred))
    first = spectral_angle_mapper(
        np.moveaxis(y_true, -1, 1), np.moveaxis(y_pred, -1, 1), data_format="channels_first"
    )
    assert_close(first, reference_sam(y_true, y_pred))
    frames = spectral_angle_mapper(y_true, y_pred, spatial_dims=2)
    assert tuple(frames.shape) == (2, 8)


def test_sam_of_one_channel_raises():
    with pytest.raises(ValueError, match=r"`y_pred` has one channel.*at least 2.*Received: y_pred.shape"):
        spectral_angle_mapper(np.ones((1, 4, 4, 1)), np.ones((1, 4, 4, 1)))


# ERGAS.
def test_ergas_equals_torchmetrics_with_target_as_y_true(rng):
    y_true, y_pred = _degraded(rng, (3, 16, 12, 4))
    y_true, y_pred = y_true + 0.05, y_pred + 0.05  # no band mean near 0
    for ratio in (4.0, 2.5):
        values = ergas(y_true, y_pred, ratio=ratio)
        for dtype in (np.float32, np.float64):
            expected = _peer(
                tm_image.error_relative_global_dimensionless_synthesis, y_true, y_pred, dtype, ratio=ratio
            )
            assert_close(values, expected, rtol=RTOL, atol=0)
        assert_close(values, reference_ergas(y_true, y_pred, ratio), rtol=RTOL, atol=0)
    swapped = _peer(tm_image.error_relative_global_dimensionless_synthesis, y_pred, y_true)
    assert not np.allclose(to_numpy(ergas(y_true, y_pred)), swapped, rtol=1e-3)  # asymmetric


def test_ergas_of_identical_images_is_0_even_with_a_zero_mean_band(rng):
    y_true = rng.random((2, 8, 8, 3)).astype(np.float32)
    y_true[..., 1] = 0.0
    assert_close(ergas(y_true, y_true), [0.0, 0.0])
    volumes_true, volumes_pred = _degraded(rng, (2, 6, 7, 8, 2))
    assert_close(
        ergas(volumes_true + 0.1, volumes_pred + 0.1), reference_ergas(volumes_true + 0.1, volumes_pred + 0.1)
    )


@pytest.mark.parametrize("fn, option", [(vif_p, "sigma_n_sq"), (ergas, "ratio")])
def test_non_positive_options_raise(fn, option):
    x = np.ones((1, 41, 41, 2), np.float32)
    with pytest.raises(ValueError, match=rf"`{option}`.*Received: {option}=0"):
        fn(x, x, **{option: 0})


# Metrics: running means over images, and a None batch under jit.
METRICS = [(UQI, uqi), (SAM, spectral_angle_mapper), (ERGAS, ergas), (VIF, vif_p)]


@pytest.mark.parametrize("metric_cls, fn", METRICS[:3], ids=[m.__name__ for m, _ in METRICS[:3]])
def test_metric_is_the_weighted_mean_over_every_image_seen(metric_cls, fn, rng):
    """The running mean is `_PerImageMean`'s, shared by all four (VIF's, at 41 px, runs in the
    None-batch test below: eager jax would compile its four scales op by op)."""
    batches = [_degraded(rng, (n, 16, 16, 2)) for n in (1, 3)]
    weights = [np.array([2.0]), np.array([1.0, 0.0, 1.0])]
    metric = metric_cls()
    for (y_true, y_pred), w in zip(batches, weights):
        metric.update_state(y_true, y_pred, sample_weight=w)
    values = np.concatenate([to_numpy(fn(t, p)) for t, p in batches])
    assert_close(metric.result(), np.sum(values * np.concatenate(weights)) / 4.0)
    restored = metric_cls.from_config(metric.get_config())
    assert restored.get_config() == metric.get_config()


def test_metrics_with_a_none_batch_under_jit(rng):
    inputs = keras.Input(shape=(41, 41, 2))  # batch size None
    model = keras.Model(inputs, keras.layers.Conv2D(2, 1)(inputs))
    jit = BACKEND != "torch"  # torch.compile costs tens of seconds; the torch run is eager
    metrics = [UQI(), SAM(), ERGAS(), VIF(sigma_n_sq=2.0 / 255**2)]
    model.compile(loss="mse", metrics=metrics, jit_compile=jit, run_eagerly=not jit)
    x = rng.random((5, 41, 41, 2)).astype(np.float32) + 0.1
    results = model.evaluate(x, x, batch_size=3, verbose=0, return_dict=True)  # batches of 3 and 2
    y_pred = to_numpy(model.predict(x, verbose=0))
    for metric, (_, fn) in zip(metrics, METRICS):
        expected = np.mean(_run(fn, x, y_pred, **metric.options))
        assert results[metric.name] == pytest.approx(expected, rel=1e-4), metric.name
