"""GMSD and MS-GMSD: values against the float64 reference of piq 0.8.0's definition (and piq itself
where it is installed), layouts, a None batch under jit, errors, finite gradients at zero gradient
magnitude (piq issue #308) and on identical images, the loss classes and the stateful metrics."""

import keras
import numpy as np
import pytest

from imagelosses import GMSDLoss, MSGMSDLoss, gmsd, ms_gmsd
from imagelosses.metrics import GMSD, MSGMSD
from tests.conftest import BACKEND, assert_close, compiled, gradient, to_numpy
from tests.reference.quality import reference_gmsd, reference_ms_gmsd
from tests.structural.helpers import value_and_gradient


def _pair(rng, shape, noise=0.15):
    y_true = rng.random(shape).astype(np.float32)
    y_pred = np.clip(y_true + noise * rng.standard_normal(shape), 0.0, 1.0).astype(np.float32)
    return y_true, y_pred


def _first(x):
    return np.moveaxis(x, -1, 1)


def _jit(fn, **options):
    """`fn` with `options`, compiled once per shape on jax (op-by-op dispatch compiles every op)."""
    return compiled(lambda t, p: fn(t, p, **options))


# Values against the float64 reference of piq 0.8.0's definition.
# Shapes: both sides even, both odd, and one odd (piq pads both axes by max(H % 2, W % 2)).
SHAPES = [(3, 24, 24, 1), (2, 23, 21, 3), (1, 20, 19, 3)]


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_gmsd_matches_the_float64_reference_of_piq(shape, rng):
    y_true, y_pred = _pair(rng, shape)
    assert_close(_jit(gmsd)(y_true, y_pred), reference_gmsd(y_true, y_pred))


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_ms_gmsd_matches_the_float64_reference_of_piq(shape, rng):
    y_true, y_pred = _pair(rng, shape)
    assert_close(_jit(ms_gmsd)(y_true, y_pred), reference_ms_gmsd(y_true, y_pred))  # piq's t=170 on 0-255
    if shape[-1] == 3:
        expected = reference_ms_gmsd(y_true, y_pred, chromatic=True)
        assert_close(_jit(ms_gmsd, chromatic=True)(y_true, y_pred), expected)


def test_random_options_and_ranges_match_the_reference(rng):
    for _ in range(3):
        max_val, t = float(rng.uniform(0.5, 255.0)), float(rng.uniform(1e-4, 1e-2))
        alpha, beta1 = float(rng.uniform(0, 1)), float(rng.uniform(0, 0.1))
        beta2, beta3 = float(rng.uniform(0, 1)), float(rng.uniform(1, 20))
        weights = tuple(rng.uniform(0.1, 1.0, int(rng.integers(1, 4))))
        y_true, y_pred = _pair(rng, (2, 18, 21, 3))
        y_true, y_pred = max_val * y_true, max_val * y_pred
        expected = reference_gmsd(y_true, y_pred, data_range=max_val, t=t)
        assert_close(_jit(gmsd, max_val=max_val, t=t)(y_true, y_pred), expected)
        options = dict(
            scale_weights=weights, chromatic=True, alpha=alpha, beta1=beta1, beta2=beta2, beta3=beta3
        )
        expected = reference_ms_gmsd(y_true, y_pred, data_range=max_val, t=t * 255**2, **options)
        assert_close(_jit(ms_gmsd, max_val=max_val, t=t, **options)(y_true, y_pred), expected)


def test_piq_itself_where_installed(rng):
    piq = pytest.importorskip("piq", reason="piq 0.8 needs torchvision, which has no CPU build here")
    torch = pytest.importorskip("torch")
    y_true, y_pred = _pair(rng, (2, 23, 26, 3))
    x, y = (torch.tensor(_first(a)) for a in (y_true, y_pred))
    assert_close(gmsd(y_true, y_pred), piq.gmsd(x, y, reduction="none").numpy())
    for chromatic in (False, True):
        expected = piq.multi_scale_gmsd(x, y, reduction="none", chromatic=chromatic).numpy()
        assert_close(ms_gmsd(y_true, y_pred, chromatic=chromatic), expected)


def test_t_is_on_the_unit_scale_where_piq_ms_gmsd_takes_0_to_255(rng):
    """The one deliberate difference in options: `t=170 / 255**2` here is piq's `t=170`."""
    y_true, y_pred = _pair(rng, (2, 20, 20, 1))
    assert_close(_jit(ms_gmsd)(y_true, y_pred), reference_ms_gmsd(y_true, y_pred, t=170.0))
    piq_units = to_numpy(_jit(ms_gmsd, t=170.0)(y_true, y_pred))
    assert not np.allclose(piq_units, reference_ms_gmsd(y_true, y_pred))


# Known answers.
def test_identical_images_score_zero_and_a_flat_pair_only_at_its_border(rng):
    y = rng.random((2, 20, 20, 3)).astype(np.float32)
    for fn, options in ((gmsd, {}), (ms_gmsd, {}), (ms_gmsd, {"chromatic": True})):
        assert_close(_jit(fn, **options)(y, y), np.zeros(2))
    # piq's zero padding makes the border of a flat image an edge whose height is its value, so
    # two flat images of different values differ there (and only there)
    flat_a, flat_b = np.full((1, 20, 20, 1), 0.2, np.float32), np.full((1, 20, 20, 1), 0.9, np.float32)
    values = to_numpy(_jit(gmsd)(np.concatenate([flat_a, flat_a]), np.concatenate([flat_b, flat_a])))
    assert_close(values, [reference_gmsd(flat_a, flat_b)[0], 0.0])
    assert values[0] > 0.1


def test_scaling_images_and_max_val_together_changes_nothing(rng):
    y_true, y_pred = _pair(rng, (2, 20, 20, 3))
    for fn in (gmsd, ms_gmsd):
        scaled = _jit(fn, max_val=255.0)(255.0 * y_true, 255.0 * y_pred)
        assert_close(scaled, to_numpy(_jit(fn)(y_true, y_pred)))


def test_uint8_images_need_max_val_255(rng):
    y_true, y_pred = (np.round(255 * a).astype(np.uint8) for a in _pair(rng, (1, 16, 16, 1)))
    with pytest.raises(ValueError, match=r"max_val=255"):
        gmsd(y_true, y_pred)
    expected = reference_gmsd(y_true.astype(np.float64), y_pred.astype(np.float64), data_range=255.0)
    assert_close(gmsd(y_true, y_pred, max_val=255.0), expected)


# Layouts and compilation.
@pytest.mark.parametrize("fn", [gmsd, ms_gmsd])
def test_channels_first_equals_channels_last(fn, rng):
    y_true, y_pred = _pair(rng, (2, 19, 22, 3))
    last = _jit(fn, data_format="channels_last")(y_true, y_pred)
    assert_close(_jit(fn, data_format="channels_first")(_first(y_true), _first(y_pred)), to_numpy(last))


def test_sequences_give_one_value_per_frame(rng):
    y_true, y_pred = _pair(rng, (2, 3, 18, 18, 3))
    folded = [a.reshape(6, 18, 18, 3) for a in (y_true, y_pred)]
    for fn in (gmsd, ms_gmsd):
        values = _jit(fn, spatial_dims=2)(y_true, y_pred)
        assert tuple(values.shape) == (2, 3)
        assert_close(values, to_numpy(_jit(fn)(*folded)).reshape(2, 3))
    first = [np.moveaxis(a, -1, 2) for a in (y_true, y_pred)]  # (B, T, C, H, W)
    values = _jit(gmsd, spatial_dims=2, data_format="channels_first")(*first)
    assert_close(values, reference_gmsd(*folded).reshape(2, 3))


def test_none_batch_and_sizes_under_jit(rng):
    y_true, y_pred = _pair(rng, (3, 21, 18, 3))
    expected = reference_ms_gmsd(y_true, y_pred, chromatic=True)
    if BACKEND == "tensorflow":  # a None batch and None sides: the pooling needs no static size
        import tensorflow as tf

        spec = tf.TensorSpec([None, None, None, 3], tf.float32)
        fn = tf.function(
            lambda t, p: ms_gmsd(t, p, chromatic=True), input_signature=[spec, spec], jit_compile=True
        )
    else:  # jax.jit on jax; torch runs eagerly (the contract suite trains with a None batch)
        fn = compiled(lambda t, p: ms_gmsd(t, p, chromatic=True))
    assert_close(fn(y_true, y_pred), expected)


# Errors.
def test_volumes_and_other_channel_counts_raise():
    volume = np.zeros((1, 8, 8, 8, 1), np.float32)
    for fn in (gmsd, ms_gmsd):
        with pytest.raises(ValueError, match=r"2D images only.*spatial_dims=2.*Received: y_pred.shape"):
            fn(volume, volume)
        with pytest.raises(ValueError, match=r"2D images only"):
            fn(volume, volume, spatial_dims=3)
        two = np.zeros((1, 20, 20, 2), np.float32)
        with pytest.raises(ValueError, match=r"1 \(grey\) or 3 \(RGB\) channels.*Received: y_pred.shape"):
            fn(two, two)
    grey = np.zeros((1, 20, 20, 1), np.float32)
    with pytest.raises(ValueError, match=r"3 \(RGB\) channels with chromatic=True"):
        ms_gmsd(grey, grey, chromatic=True)


def test_ms_gmsd_below_piq_minimum_size_states_it():
    y = np.zeros((1, 16, 30, 1), np.float32)
    with pytest.raises(ValueError, match=r"4 scales.*at least 17.*Received: y_pred.shape=\(1, 16, 30, 1\)"):
        ms_gmsd(y, y)
    assert tuple(_jit(ms_gmsd, scale_weights=(0.5, 0.5, 1.0))(y, y).shape) == (1,)  # 3 scales need 9


@pytest.mark.parametrize(
    "fn, options, error, message",
    [
        (gmsd, {"t": 0.0}, ValueError, r"`t`. Expected a number > 0.0. Received: t=0.0"),
        (gmsd, {"max_val": "1"}, TypeError, r"Invalid type for argument `max_val`"),
        (ms_gmsd, {"alpha": 2.5}, ValueError, r"`alpha`. Expected a number >= 0.0 and <= 2.0"),
        (ms_gmsd, {"scale_weights": (0.0, 0.0)}, ValueError, r"`scale_weights`. Expected .*positive sum"),
        (ms_gmsd, {"scale_weights": ()}, ValueError, r"`scale_weights`. Expected a non-empty sequence"),
        (ms_gmsd, {"chromatic": 1}, TypeError, r"`chromatic`. Expected True or False"),
        (ms_gmsd, {"beta1": -1.0}, ValueError, r"`beta1`. Expected a number >= 0.0"),
    ],
)
def test_bad_options_raise_naming_the_argument(fn, options, error, message):
    y = np.zeros((1, 20, 20, 1), np.float32)
    with pytest.raises(error, match=message):
        fn(y, y, **options)
    cls = GMSDLoss if fn is gmsd else MSGMSDLoss
    with pytest.raises(error, match=message):
        cls(**options)


# Gradients: finite where the gradient magnitude is 0 and on identical images.
SHAPE = (2, 20, 20, 3)
STEPS = {
    "gmsd": value_and_gradient(lambda t, p: gmsd(t, p)),
    "ms_gmsd": value_and_gradient(lambda t, p: ms_gmsd(t, p)),
    "ms_gmsd_chromatic": value_and_gradient(lambda t, p: ms_gmsd(t, p, chromatic=True)),
}


def _degenerate(name, rng):
    y = rng.random(SHAPE).astype(np.float32)
    return {
        "identical": (y, y.copy()),
        "constant_pair": (np.full(SHAPE, 0.3, np.float32), np.full(SHAPE, 0.7, np.float32)),
        "constant_prediction": (y, np.full(SHAPE, 0.5, np.float32)),  # piq issue #308: NaN there
        "zeros_and_ones": (np.zeros(SHAPE, np.float32), np.ones(SHAPE, np.float32)),
    }[name]


@pytest.mark.parametrize("step", list(STEPS))
@pytest.mark.parametrize("name", ["identical", "constant_pair", "constant_prediction", "zeros_and_ones"])
def test_values_and_gradients_are_finite_on_degenerate_images(name, step, rng):
    y_true, y_pred = _degenerate(name, rng)
    values, grad = STEPS[step](y_true, y_pred)
    assert np.all(np.isfinite(values)), values
    assert np.all(np.isfinite(grad))
    if name == "identical":
        assert_close(values, np.zeros(2))


def test_a_nearly_flat_prediction_gets_a_finite_nonzero_gradient(rng):
    """At an exactly flat `y_pred` the gradient through its pixels is 0 (the subgradient of |g| at
    0, not NaN); as soon as it has any texture, the gradient flows."""
    y_true, _ = _degenerate("identical", rng)
    y_pred = (0.5 + 1e-3 * rng.standard_normal(SHAPE)).astype(np.float32)
    for step in STEPS.values():
        _, grad = step(y_true, y_pred)
        assert np.all(np.isfinite(grad)) and np.any(grad != 0.0)


@pytest.mark.parametrize("fn", ["gmsd", "ms_gmsd"])
def test_gradient_matches_finite_differences_of_the_reference(fn, rng):
    y_true, y_pred = _pair(rng, (1, 20, 19, 3), noise=0.2)
    ours, reference = {
        "gmsd": (lambda v: gmsd(y_true, v), lambda p: reference_gmsd(y_true, p)),
        "ms_gmsd": (
            lambda v: ms_gmsd(y_true, v, chromatic=True),
            lambda p: reference_ms_gmsd(y_true, p, chromatic=True),
        ),
    }[fn]
    grad = gradient(ours, y_pred, jit=True)
    direction = rng.standard_normal(y_pred.shape)
    h = 1e-4
    numeric = (reference(y_pred + h * direction) - reference(y_pred - h * direction)).sum() / (2 * h)
    assert np.sum(grad * direction) == pytest.approx(numeric, rel=1e-3)


# Loss classes and metrics.
def test_losses_are_the_indices(rng):
    y_true, y_pred = _pair(rng, (3, 20, 20, 1))
    per_image = compiled(GMSDLoss(reduction=None).__call__)
    assert_close(per_image(y_true, y_pred), reference_gmsd(y_true, y_pred))
    assert_close(compiled(MSGMSDLoss().__call__)(y_true, y_pred), np.mean(reference_ms_gmsd(y_true, y_pred)))


TWO_SCALES = {"scale_weights": (0.5, 0.5)}


@pytest.mark.parametrize("cls, options", [(GMSD, {}), (MSGMSD, TWO_SCALES)], ids=["gmsd", "ms_gmsd"])
def test_metrics_are_weighted_means_over_every_image(cls, options, rng):
    batches = [_pair(rng, (n, 18, 18, 1)) for n in (1, 3)]
    weights = [np.array([2.0]), np.array([1.0, 0.0, 0.5])]
    metric = cls(**options)
    for (y_true, y_pred), w in zip(batches, weights):
        metric.update_state(y_true, y_pred, sample_weight=w)
    reference = reference_gmsd if cls is GMSD else reference_ms_gmsd
    values = np.concatenate([reference(*batch, **options) for batch in batches])
    w = np.concatenate(weights)
    assert_close(metric.result(), np.sum(w * values) / np.sum(w))
    restored = keras.metrics.deserialize(keras.metrics.serialize(metric))
    assert type(restored) is cls and restored.get_config() == metric.get_config()
