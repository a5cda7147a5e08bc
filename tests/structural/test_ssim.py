"""SSIM and MS-SSIM: values against tf.image, keras.ops.image, scikit-image and float64 references;
layouts, scale invariance, errors, finite values and gradients on degenerate images."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from skimage import data as skdata
from skimage.metrics import structural_similarity

from imagelosses import ms_ssim, ssim, ssim_map
from tests.conftest import assert_close, compiled, gradient, to_numpy
from tests.reference.structural import reference_ms_ssim, reference_ssim
from tests.structural.helpers import value_and_gradient

SSIM_RTOL = 1e-5  # the parity target with tf.image.ssim
MS_SSIM_RTOL = 1e-4  # and with tf.image.ssim_multiscale


def _values(fn, y_true, y_pred, **options):
    """`fn(y_true, y_pred, **options)` as float64 numpy, compiled on jax, for the value tests below.

    jax's op-by-op dispatch compiles every op of an eager call: in a `make test` run the
    photographs test took 10.9 s on jax against 0.4 s on tensorflow, and one eager `ssim` plus
    `ms_ssim` of a 128x128 photograph 1.7-1.9 s against 0.30-0.34 s compiled (a /tmp script). The eager
    path keeps its own tests here (layouts, errors, degenerate images) and in tests/contract.
    """
    return to_numpy(compiled(lambda t, p: fn(t, p, **options))(y_true, y_pred))


def _pair(rng, shape, noise=0.2):
    y_true = rng.random(shape).astype(np.float32)
    y_pred = np.clip(y_true + noise * rng.standard_normal(shape), 0.0, 1.0).astype(np.float32)
    return y_true, y_pred


def _smooth_pair(rng, shape, noise=0.05):
    """Smooth images (correlated structure at every scale) plus noise: MS-SSIM well inside (0, 1)."""
    coarse = rng.random((shape[0], 8, 8, shape[-1])).astype(np.float32)
    y_true = tf.image.resize(coarse, shape[1:3], method="bicubic").numpy().clip(0, 1)
    y_pred = np.clip(y_true + noise * rng.standard_normal(shape), 0, 1).astype(np.float32)
    return y_true.astype(np.float32), y_pred


# Values against peers and references.
@pytest.mark.parametrize("shape", [(3, 32, 32, 1), (2, 23, 37, 3)])
def test_ssim_equals_tf_image_ssim(shape, rng):
    y_true, y_pred = _pair(rng, shape)
    expected = tf.image.ssim(y_true, y_pred, max_val=1.0).numpy()
    assert_close(ssim(y_true, y_pred), expected, rtol=SSIM_RTOL, atol=0)


def test_ssim_equals_tf_image_ssim_for_random_options(rng):
    for _ in range(3):  # randomized window, width, constants and range (dm_pix's golden test)
        size = int(rng.choice([3, 5, 7, 9]))
        sigma, k1, k2 = rng.uniform(0.5, 2.5), rng.uniform(0.005, 0.05), rng.uniform(0.01, 0.1)
        max_val = float(rng.uniform(0.5, 4.0))
        y_true, y_pred = _pair(rng, (2, 19, 21, 2))
        y_true, y_pred = max_val * y_true, max_val * y_pred
        options = dict(max_val=max_val, filter_size=size, filter_sigma=sigma, k1=k1, k2=k2)
        expected = tf.image.ssim(y_true, y_pred, **options).numpy()
        assert_close(ssim(y_true, y_pred, **options), expected, rtol=SSIM_RTOL, atol=0)
        assert_close(ssim(y_true, y_pred, **options), reference_ssim(y_true, y_pred, **options))


def test_ssim_equals_keras_ops_image_ssim(rng):
    y_true, y_pred = _pair(rng, (2, 24, 28, 3))
    expected = to_numpy(keras.ops.image.ssim(y_true, y_pred, max_val=1.0))
    assert_close(ssim(y_true, y_pred), expected, rtol=SSIM_RTOL, atol=0)


@pytest.mark.parametrize(
    "shape, powers, size",
    [
        ((2, 37, 41, 2), (0.3, 0.7), 7),  # odd sizes at the first downsampling
        ((1, 45, 50, 1), (0.2, 0.3, 0.5), 5),  # odd, then even, then odd
    ],
)
def test_ms_ssim_equals_tf_image_ssim_multiscale_on_odd_sizes(shape, powers, size, rng):
    y_true, y_pred = _smooth_pair(rng, shape)
    options = dict(max_val=1.0, power_factors=powers, filter_size=size)
    expected = tf.image.ssim_multiscale(y_true, y_pred, **options).numpy()
    assert np.all((expected > 0.1) & (expected < 1.0)), expected
    values = _values(ms_ssim, y_true, y_pred, **options)
    assert_close(values, expected, rtol=MS_SSIM_RTOL, atol=0)
    assert_close(values, reference_ms_ssim(y_true, y_pred, **options), rtol=MS_SSIM_RTOL)


def test_ms_ssim_five_default_scales_equals_tf_at_the_minimum_odd_size(rng):
    y_true, y_pred = _smooth_pair(rng, (1, 161, 167, 1))
    expected = tf.image.ssim_multiscale(y_true, y_pred, max_val=1.0).numpy()
    assert_close(_values(ms_ssim, y_true, y_pred), expected, rtol=MS_SSIM_RTOL, atol=0)


def _photographs(rng):
    """camera (gray) and astronaut (RGB), 128x128 crops of the 2x-downscaled images, in [0, 1]."""
    camera = skdata.camera()[::2, ::2][:128, :128, None] / 255.0
    astronaut = skdata.astronaut()[::2, ::2][:128, :128] / 255.0
    out = []
    for image in (camera, astronaut):
        clean = image[None].astype(np.float32)
        blurred = tf.image.resize(tf.image.resize(clean, (64, 64), antialias=True), (128, 128)).numpy()
        noisy = np.clip(blurred + 0.03 * rng.standard_normal(clean.shape), 0, 1).astype(np.float32)
        out.append((clean, noisy))
    return out


def test_photographs_with_blur_and_noise_match_tf_and_the_reference(rng):
    """On smooth photographs float32 `E[x**2] - E[x]**2` cancels: tf.image.ssim's 2D convolution is
    up to 5e-5 (relative) from the float64 value on camera, the separable passes here ~2e-6. We
    hold 1e-5 against float64 and, against tf, 1e-5 beyond tf's own distance to float64."""
    for clean, degraded in _photographs(rng):
        expected = tf.image.ssim(clean, degraded, max_val=1.0).numpy()
        exact = reference_ssim(clean, degraded)
        assert 0.2 < exact[0] < 0.95
        values = _values(ssim, clean, degraded)
        assert_close(values, exact, rtol=SSIM_RTOL, atol=0)
        assert np.all(np.abs(values - expected) <= np.abs(expected - exact) + SSIM_RTOL * exact)
        options = dict(max_val=1.0, power_factors=(0.2, 0.3, 0.5))
        expected_ms = tf.image.ssim_multiscale(clean, degraded, **options).numpy()
        assert_close(_values(ms_ssim, clean, degraded, **options), expected_ms, rtol=MS_SSIM_RTOL, atol=0)


@pytest.mark.parametrize("channels", [1, 2])
def test_volume_ssim_equals_scikit_image_after_aligning_its_crop(channels, rng):
    y_true, y_pred = _pair(rng, (2, 14, 15, 16, channels))
    values = ssim(y_true, y_pred, max_val=1.0, spatial_dims=3)
    expected = [
        structural_similarity(
            t.astype(np.float64),
            p.astype(np.float64),
            gaussian_weights=True,
            sigma=1.5,
            use_sample_covariance=False,
            data_range=1.0,
            channel_axis=-1,
        )
        for t, p in zip(y_true, y_pred)
    ]
    assert_close(values, expected, rtol=SSIM_RTOL, atol=1e-6)


def test_volume_ms_ssim_matches_the_float64_reference(rng):
    y_true, y_pred = _pair(rng, (2, 13, 14, 15, 1), noise=0.1)
    options = dict(power_factors=(0.5, 0.5), filter_size=5, filter_sigma=1.0)
    assert_close(
        _values(ms_ssim, y_true, y_pred, spatial_dims=3, **options),
        reference_ms_ssim(y_true, y_pred, **options),
        rtol=MS_SSIM_RTOL,
    )


# Layouts.
def test_sequences_give_one_value_per_frame(rng):
    y_true, y_pred = _pair(rng, (2, 3, 16, 16, 1))
    values = ssim(y_true, y_pred, spatial_dims=2, filter_size=7)
    assert tuple(values.shape) == (2, 3)
    frames = ssim(y_true.reshape(6, 16, 16, 1), y_pred.reshape(6, 16, 16, 1), filter_size=7)
    assert_close(values, to_numpy(frames).reshape(2, 3))
    ms = ms_ssim(y_true, y_pred, spatial_dims=2, power_factors=(0.5, 0.5), filter_size=5)
    assert tuple(ms.shape) == (2, 3)


@pytest.mark.parametrize("fn", [ssim, ms_ssim])
def test_channels_first_equals_channels_last(fn, rng):
    y_true, y_pred = _pair(rng, (2, 20, 22, 3))
    options = dict(filter_size=5) if fn is ssim else dict(filter_size=5, power_factors=(0.5, 0.5))
    last = fn(y_true, y_pred, data_format="channels_last", **options)
    first = fn(
        np.moveaxis(y_true, -1, 1), np.moveaxis(y_pred, -1, 1), data_format="channels_first", **options
    )
    assert_close(first, to_numpy(last))


def test_ssim_map_has_the_valid_shape_and_averages_to_ssim(rng):
    y_true, y_pred = _pair(rng, (2, 20, 24, 3))
    local = ssim_map(y_true, y_pred, filter_size=7)
    assert tuple(local.shape) == (2, 14, 18, 3)
    assert_close(np.mean(to_numpy(local), axis=(1, 2, 3)), to_numpy(ssim(y_true, y_pred, filter_size=7)))


def test_identical_images_score_one(rng):
    y = rng.random((2, 24, 24, 2))
    assert_close(_values(ssim, y, y), np.ones(2))
    assert_close(_values(ms_ssim, y, y, power_factors=(0.5, 0.5), filter_size=7), np.ones(2))


# Scale invariance: images and max_val scaled together.
@pytest.mark.parametrize("scale", [255.0, 0.01])
def test_scaling_images_and_max_val_together_changes_nothing(scale, rng):
    y_true, y_pred = _smooth_pair(rng, (2, 40, 40, 1))
    options = dict(power_factors=(0.5, 0.5), filter_size=7)
    base = _values(ssim, y_true, y_pred), _values(ms_ssim, y_true, y_pred, **options)
    scaled = (
        _values(ssim, scale * y_true, scale * y_pred, max_val=scale),
        _values(ms_ssim, scale * y_true, scale * y_pred, max_val=scale, **options),
    )
    for value, expected in zip(scaled, base):
        assert_close(value, expected, rtol=1e-4)


# Errors.
def test_ms_ssim_too_small_states_the_minimum_size():
    y = np.zeros((1, 64, 64, 1), np.float32)
    with pytest.raises(ValueError, match=r"(?s)filter_size=11 and 5 scales.*at least 161.*power_factors"):
        ms_ssim(y, y)
    with pytest.raises(ValueError, match=r"at least 13.*Received: y_pred.shape=\(1, 12, 64, 1\)"):
        ms_ssim(y[:, :12], y[:, :12], power_factors=(0.5, 0.5), filter_size=7)
    assert tuple(ms_ssim(y, y, power_factors=(0.2, 0.3, 0.5)).shape) == (1,)  # 3 scales need 41


def test_ssim_smaller_than_the_window_states_the_minimum_size():
    y = np.zeros((1, 8, 16, 1), np.float32)
    with pytest.raises(ValueError, match=r"filter_size=11.*at least 11.*Received"):
        ssim(y, y)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"filter_size": 4}, r"`filter_size`. Expected an odd integer >= 1. Received: filter_size=4"),
        ({"filter_sigma": 0.0}, r"`filter_sigma`. Expected a number > 0.0. Received"),
        ({"max_val": -1.0}, r"`max_val`. Expected a number > 0.0. Received: max_val=-1.0"),
        ({"k1": "a"}, r"Invalid type for argument `k1`"),
        ({"power_factors": ()}, r"`power_factors`. Expected a non-empty sequence"),
        ({"power_factors": (0.5, -0.5)}, r"`power_factors`. Expected a number >= 0.0"),
    ],
)
def test_bad_options_raise_naming_the_argument(options, message):
    y = np.zeros((1, 64, 64, 1), np.float32)
    fn = ms_ssim if "power_factors" in options else ssim
    with pytest.raises((ValueError, TypeError), match=message):
        fn(y, y, **options)


# Degenerate images: finite values and gradients, never NaN.
def _degenerate(name, rng, shape):
    y = rng.random(shape).astype(np.float32)
    return {
        "identical": (y, y.copy()),
        "constant": (np.full(shape, 0.3, np.float32), np.full(shape, 0.7, np.float32)),
        "anti_correlated": (y, 1.0 - y),
        "zeros_and_max": (np.zeros(shape, np.float32), np.ones(shape, np.float32)),
        "at_max_val": (np.ones(shape, np.float32), np.ones(shape, np.float32)),
    }[name]


DEGENERATE = ["identical", "constant", "anti_correlated", "zeros_and_max", "at_max_val"]
MS_OPTIONS = dict(power_factors=(0.3, 0.3, 0.4), filter_size=5)
SHAPE = (2, 24, 24, 1)
SSIM_STEP = value_and_gradient(lambda t, p: ssim(t, p))
MS_SSIM_STEP = value_and_gradient(lambda t, p: ms_ssim(t, p, **MS_OPTIONS))


@pytest.mark.parametrize("name", DEGENERATE)
def test_values_and_gradients_are_finite_on_degenerate_images(name, rng):
    y_true, y_pred = _degenerate(name, rng, SHAPE)
    for step in (SSIM_STEP, MS_SSIM_STEP):
        values, grad = step(y_true, y_pred)
        assert np.all(np.isfinite(values)), values
        assert np.all(np.isfinite(grad))


def test_anti_correlated_images_score_zero_like_tf_but_still_have_a_gradient(rng):
    y_true, y_pred = _degenerate("anti_correlated", rng, SHAPE)
    expected = tf.image.ssim_multiscale(y_true, y_pred, max_val=1.0, **MS_OPTIONS).numpy()
    values, grad = MS_SSIM_STEP(y_true, y_pred)
    assert_close(values, expected)
    assert np.all(np.isfinite(grad)) and np.any(grad != 0.0)


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    pattern=st.sampled_from(
        ["random", "constant", "identical", "anti_correlated", "zeros", "ones", "noise_only"]
    ),
    target=st.sampled_from(["random", "constant", "zeros"]),
    seed=st.integers(0, 2**16),
)
def test_property_ms_ssim_is_never_nan_and_its_gradient_is_finite(pattern, target, seed):
    rng = np.random.default_rng(seed)
    y_true = {
        "random": rng.random(SHAPE),
        "constant": np.full(SHAPE, rng.random()),
        "zeros": np.zeros(SHAPE),
    }[target].astype(np.float32)
    y_pred = {
        "random": rng.random(SHAPE),
        "constant": np.full(SHAPE, rng.random()),
        "identical": y_true,
        "anti_correlated": 1.0 - y_true,
        "zeros": np.zeros(SHAPE),
        "ones": np.ones(SHAPE),
        "noise_only": 0.5 + 1e-3 * rng.standard_normal(SHAPE),
    }[pattern].astype(np.float32)
    values, grad = MS_SSIM_STEP(y_true, y_pred)
    assert np.all(np.isfinite(values)) and np.all((values >= 0) & (values <= 1 + 1e-6)), values
    assert np.all(np.isfinite(grad))


def test_ssim_gradient_matches_finite_differences_of_the_reference(rng):
    y_true, y_pred = _pair(rng, (1, 16, 16, 1))
    grad = gradient(lambda v: ssim(y_true, v, filter_size=7), y_pred)
    direction = rng.standard_normal(y_pred.shape)
    h = 1e-4
    numeric = (
        reference_ssim(y_true, y_pred + h * direction, filter_size=7)
        - reference_ssim(y_true, y_pred - h * direction, filter_size=7)
    ).sum() / (2 * h)
    assert np.sum(grad * direction) == pytest.approx(numeric, rel=1e-3)
