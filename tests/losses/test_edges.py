"""Edge losses beyond the contract: known answers, options, gradients, class == function."""

import numpy as np
import pytest

from imagelosses import (
    GradientDifferenceLoss,
    LaplacianLoss,
    SobelLoss,
    gradient_difference_loss,
    laplacian_loss,
    sobel_loss,
)
from tests.conftest import assert_close, gradient, to_numpy
from tests.reference.losses import reference_gradient_difference_loss

FUNCTIONS = [
    (SobelLoss, sobel_loss, {"distance": "mae", "magnitude": True, "mode": "nearest"}),
    (LaplacianLoss, laplacian_loss, {"diagonals": True, "mode": "constant"}),
    (GradientDifferenceLoss, gradient_difference_loss, {"alpha": 1.5}),
]


@pytest.mark.parametrize("cls, fn, options", FUNCTIONS)
def test_class_calls_its_function_with_its_options(cls, fn, options, rng):
    y_true, y_pred = rng.random((2, 3, 10, 10, 2))
    assert_close(cls(**options).call(y_true, y_pred), to_numpy(fn(y_true, y_pred, **options)))
    assert cls(**options).get_config() | {} == cls.from_config(cls(**options).get_config()).get_config()


@pytest.mark.parametrize("cls, fn, options", FUNCTIONS)
def test_identical_images_give_zero(cls, fn, options, rng):
    y = rng.random((2, 10, 10, 1))
    assert_close(fn(y, y, **options), np.zeros(2))


@pytest.mark.parametrize("alpha", [1.0, 1.5, 2.0, 3.0])
def test_gradient_difference_matches_reference_for_any_alpha(alpha, rng):
    y_true, y_pred = rng.random((2, 2, 7, 9, 1))
    assert_close(
        gradient_difference_loss(y_true, y_pred, alpha=alpha),
        reference_gradient_difference_loss(y_true, y_pred, alpha=alpha),
    )


def test_gradient_difference_is_blind_to_a_constant_shift(rng):
    y = rng.random((2, 8, 8, 1))
    assert_close(gradient_difference_loss(y, y + 0.25), np.zeros(2), atol=1e-6)


@pytest.mark.parametrize(
    "fn, options",
    [
        (sobel_loss, {"magnitude": True}),
        (sobel_loss, {"magnitude": True, "normalize": True}),
        (sobel_loss, {"normalize": True}),
        (laplacian_loss, {"distance": "mae"}),
        (gradient_difference_loss, {"alpha": 1.0}),
    ],
)
def test_gradients_are_finite_on_flat_and_identical_images(fn, options):
    flat = np.full((2, 8, 8, 1), 0.5, np.float32)
    for target in (flat, flat + 0.1):
        grad = gradient(lambda v, t=target: fn(t, v, **options), flat)
        assert np.all(np.isfinite(grad))


def test_sobel_loss_is_larger_for_blurred_edges():
    sharp = np.zeros((1, 16, 16, 1))
    sharp[:, :, 8:] = 1.0
    blurred = sharp.copy()
    blurred[:, :, 7:9] = 0.5
    assert float(to_numpy(sobel_loss(sharp, blurred))[0]) > 0.0
    assert float(to_numpy(sobel_loss(sharp, sharp + 0.3))[0]) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda: sobel_loss(np.zeros((1, 8, 8, 1)), np.zeros((1, 8, 8, 1)), distance="huber"),
            r"`distance`.*\('mse', 'mae'\).*Received: distance='huber'",
        ),
        (
            lambda: laplacian_loss(np.zeros((1, 8, 8, 1)), np.zeros((1, 8, 8, 1)), mode="wrap"),
            r"`mode`.*Received: mode='wrap'",
        ),
        (
            lambda: gradient_difference_loss(np.zeros((1, 8, 8, 1)), np.zeros((1, 8, 8, 1)), alpha=0.5),
            r"`alpha`.*>= 1.0.*Received: alpha=0.5",
        ),
    ],
)
def test_bad_options_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_non_numeric_alpha_raises_type_error():
    with pytest.raises(TypeError, match=r"`alpha`.*Received: alpha='2'"):
        gradient_difference_loss(np.zeros((1, 8, 8, 1)), np.zeros((1, 8, 8, 1)), alpha="2")
