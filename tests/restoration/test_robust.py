"""Barron's robust loss and its special cases beyond the contract: the paper's formula for every
alpha (limits and values near them), kornia 0.9.0's special cases, finite gradients equal to Barron's
psi, class == function, option errors, and how our Charbonnier differs from kornia's."""

import math

import keras
import numpy as np
import pytest

from imagelosses import (
    BarronLoss,
    CauchyLoss,
    GemanMcClureLoss,
    WelschLoss,
    barron_loss,
    cauchy_loss,
    charbonnier_loss,
    geman_mcclure_loss,
    welsch_loss,
)
from tests.conftest import assert_close, to_numpy
from tests.reference.restoration import barron_psi, reference_barron
from tests.structural.helpers import value_and_gradient

# The limits (-inf, 0, 2), the named cases, and values within 1e-6 (and 1e-9, below the
# float32-epsilon floor) of 0 and 2, from both sides.
ALPHAS = [-math.inf, -2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 4.0]
NEAR_LIMITS = [-1e-6, 1e-6, 1e-9, 2.0 - 1e-6, 2.0 + 1e-6, 2.0 - 1e-9]


def _residual_pair(rng, shape=(3, 12, 12, 2)):
    """Residuals from 0 (a quarter of the pixels are exact) to about 3: both sides of every scale."""
    y_true = rng.random(shape).astype(np.float32)
    noise = rng.standard_normal(shape) * rng.choice([0.01, 0.3, 1.5], size=shape)
    noise[rng.random(shape) < 0.25] = 0.0
    return y_true, (y_true + noise).astype(np.float32)


def _float32(y_true, y_pred):
    """The float64 reference on the float32 inputs, so only the arithmetic is compared."""
    return np.float64(y_true), np.float64(y_pred)


@pytest.mark.parametrize("alpha", ALPHAS + NEAR_LIMITS)
@pytest.mark.parametrize("scale", [1.0, 0.3])
def test_barron_matches_the_papers_formula_in_float64(alpha, scale, rng):
    y_true, y_pred = _residual_pair(rng)
    values = barron_loss(y_true, y_pred, alpha=alpha, scale=scale)
    assert_close(values, reference_barron(*_float32(y_true, y_pred), alpha=alpha, scale=scale))


@pytest.mark.parametrize("alpha", ALPHAS + NEAR_LIMITS)
def test_barron_gradient_is_finite_and_equals_psi_also_at_zero_residual(alpha, rng):
    y_true, y_pred = _residual_pair(rng, (2, 8, 8, 1))
    y_pred[:, :2] = y_true[:, :2]  # exact zeros
    step = value_and_gradient(lambda t, p: barron_loss(t, p, alpha=alpha, scale=0.5))
    values, grad = step(y_true, y_pred)
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(grad))
    residual = np.float64(y_pred) - np.float64(y_true)
    expected = barron_psi(residual, alpha, 0.5) / residual[0].size  # d mean / d y_pred
    assert_close(grad, expected, atol=1e-7)
    for same in (y_true, np.zeros_like(y_true)):  # identical images: value 0, gradient 0
        values, grad = step(same, same)
        assert np.all(values == 0.0) and np.all(grad == 0.0)


def _kornia():
    return pytest.importorskip("kornia", reason="kornia (0.9.0, torch) is the peer of the robust losses")


def _kornia_per_image(kornia_fn, y_true, y_pred):
    """kornia's per-element losses (reduction='none'), averaged per image by us."""
    import torch

    out = kornia_fn(torch.from_numpy(y_pred), torch.from_numpy(y_true), reduction="none")
    return out.double().numpy().reshape(len(y_true), -1).mean(axis=1)


@pytest.mark.parametrize(
    "alpha, name",
    [
        (1.0, "charbonnier_loss"),
        (0.0, "cauchy_loss"),
        (-2.0, "geman_mcclure_loss"),
        (-math.inf, "welsch_loss"),
    ],
)
def test_barron_special_cases_equal_kornia_per_image(alpha, name, rng):
    kornia = _kornia()
    y_true, y_pred = _residual_pair(rng)
    expected = _kornia_per_image(getattr(kornia.losses, name), y_true, y_pred)
    assert_close(barron_loss(y_true, y_pred, alpha=alpha), expected)
    # kornia's values are the float64 paper formula's, so both agree with the reference too
    assert_close(expected, reference_barron(*_float32(y_true, y_pred), alpha=alpha))


@pytest.mark.parametrize(
    "ours, fn, kornia_name",
    [
        (WelschLoss, welsch_loss, "WelschLoss"),
        (CauchyLoss, cauchy_loss, "CauchyLoss"),
        (GemanMcClureLoss, geman_mcclure_loss, "GemanMcclureLoss"),
    ],
)
def test_named_losses_equal_kornia_classes_per_image_and_batch_mean(ours, fn, kornia_name, rng):
    kornia = _kornia()
    import torch

    y_true, y_pred = _residual_pair(rng)
    pred, true = torch.from_numpy(y_pred), torch.from_numpy(y_true)
    per_element = getattr(kornia.losses, kornia_name)(reduction="none")(pred, true).double().numpy()
    expected = per_element.reshape(len(y_true), -1).mean(axis=1)
    assert_close(fn(y_true, y_pred), expected)
    assert_close(ours().call(y_true, y_pred), expected)
    # equal-sized images: Keras's mean of our per-image values is kornia's reduction="mean"
    batch_mean = getattr(kornia.losses, kornia_name)(reduction="mean")(pred, true).item()
    assert_close(ours()(y_true, y_pred), batch_mean)


def test_scale_divides_the_residual_as_kornia_asks(rng):
    kornia = _kornia()
    y_true, y_pred = _residual_pair(rng)
    c = 0.25
    expected = _kornia_per_image(kornia.losses.welsch_loss, y_true / c, y_pred / c)
    assert_close(welsch_loss(y_true, y_pred, scale=c), expected)


def test_charbonnier_differs_from_kornias_by_its_epsilon_and_offset(rng):
    """Ours: mean sqrt(d^2 + eps^2) (eps = 1e-3, value eps at d = 0, the restoration papers'
    form); kornia's: mean sqrt(d^2 + 1) - 1 (Barron's alpha = 1 at c = 1, value 0 at d = 0). They
    meet only at epsilon = 1, less the offset 1."""
    kornia = _kornia()
    y_true, y_pred = _residual_pair(rng)
    theirs = _kornia_per_image(kornia.losses.charbonnier_loss, y_true, y_pred)
    d = np.float64(y_pred) - np.float64(y_true)
    assert_close(theirs, np.mean(np.sqrt(d**2 + 1.0) - 1.0, axis=(1, 2, 3)))
    ours = to_numpy(charbonnier_loss(y_true, y_pred))
    assert_close(ours, np.mean(np.sqrt(d**2 + 1e-6), axis=(1, 2, 3)))
    assert np.all(np.abs(ours - theirs) > 0.05)  # the default forms differ by far more than rounding
    assert_close(to_numpy(charbonnier_loss(y_true, y_pred, epsilon=1.0)) - 1.0, theirs, atol=1e-6)
    assert_close(barron_loss(y_true, y_pred, alpha=1.0), theirs)
    e = 0.1  # ours with epsilon e is e * (Barron's alpha = 1 at scale e, plus 1)
    barron = to_numpy(barron_loss(y_true, y_pred, alpha=1.0, scale=e))
    assert_close(charbonnier_loss(y_true, y_pred, epsilon=e), e * (barron + 1.0))
    same = _kornia_per_image(kornia.losses.charbonnier_loss, y_true, y_true)
    assert_close(charbonnier_loss(y_true, y_true), np.full(3, 1e-3))  # ours: epsilon at d = 0
    assert np.all(same == 0.0)  # kornia's: 0 at d = 0


@pytest.mark.parametrize(
    "named, alpha", [(welsch_loss, -math.inf), (cauchy_loss, 0.0), (geman_mcclure_loss, -2.0)]
)
def test_named_losses_are_barron_special_cases(named, alpha, rng):
    y_true, y_pred = _residual_pair(rng, (2, 2, 8, 8, 1))  # sequences: (B, T)
    values = named(y_true, y_pred, scale=0.7, spatial_dims=2)
    assert tuple(values.shape) == (2, 2)
    assert_close(values, to_numpy(barron_loss(y_true, y_pred, alpha=alpha, scale=0.7, spatial_dims=2)))


@pytest.mark.parametrize(
    "cls, fn, options",
    [
        (BarronLoss, barron_loss, {"alpha": -1.5, "scale": 0.2}),
        (BarronLoss, barron_loss, {"alpha": -math.inf}),
        (WelschLoss, welsch_loss, {"scale": 2.0}),
        (CauchyLoss, cauchy_loss, {"scale": 0.1}),
        (GemanMcClureLoss, geman_mcclure_loss, {"scale": 0.5}),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_class_calls_its_function_and_round_trips_its_options(cls, fn, options, rng):
    y_true, y_pred = _residual_pair(rng, (2, 6, 6, 6, 1))  # volumes
    loss = cls(**options)
    assert_close(loss.call(y_true, y_pred), to_numpy(fn(y_true, y_pred, **options)))
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(restored) is cls and restored.get_config() == loss.get_config()


@pytest.mark.parametrize(
    "make, error, pattern",
    [
        (lambda: BarronLoss(scale=0), ValueError, r"`scale`. Expected a number > 0.0. Received: scale=0"),
        (lambda: BarronLoss(scale=-1.0), ValueError, r"`scale`.*Received: scale=-1.0"),
        (lambda: BarronLoss(alpha=math.nan), ValueError, r"`alpha`.*Received: alpha=nan"),
        (lambda: BarronLoss(alpha=math.inf), ValueError, r"`alpha`. Expected a number < inf. Received"),
        (lambda: BarronLoss(alpha="1"), TypeError, r"`alpha`. Expected a real number"),
        (lambda: WelschLoss(scale=math.inf), ValueError, r"`scale`"),
        (lambda: CauchyLoss(scale=True), TypeError, r"`scale`"),
    ],
)
def test_bad_options_fail_at_construction(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()
