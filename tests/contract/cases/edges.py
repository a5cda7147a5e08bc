"""Contract cases of the edge losses and of WeightedSum."""

import keras

from imagelosses import GradientDifferenceLoss, LaplacianLoss, SobelLoss, WeightedSum
from tests.contract.case import Case
from tests.reference.losses import (
    reference_gradient_difference_loss,
    reference_laplacian_loss,
    reference_mse,
    reference_sobel_loss,
)

CASES = [
    Case(
        name="sobel_mse",
        loss="SobelLoss",
        make=lambda **layout: SobelLoss(**layout),
        reference=lambda t, p, d: reference_sobel_loss(t, p, spatial_dims=d),
        batch_invariant_bias=True,
    ),
    Case(
        name="sobel_magnitude_mae_mirror",
        loss="SobelLoss",
        make=lambda **layout: SobelLoss(distance="mae", magnitude=True, mode="mirror", **layout),
        reference=lambda t, p, d: reference_sobel_loss(
            t, p, distance="mae", magnitude=True, mode="mirror", spatial_dims=d
        ),
        batch_invariant_bias=True,
    ),
    Case(
        name="sobel_normalized_valid",
        loss="SobelLoss",
        make=lambda **layout: SobelLoss(normalize=True, mode="valid", **layout),
        reference=lambda t, p, d: reference_sobel_loss(t, p, normalize=True, mode="valid", spatial_dims=d),
    ),
    Case(
        name="laplacian_mse",
        loss="LaplacianLoss",
        make=lambda **layout: LaplacianLoss(**layout),
        reference=lambda t, p, d: reference_laplacian_loss(t, p, spatial_dims=d),
        batch_invariant_bias=True,
    ),
    Case(
        name="laplacian_diagonals_mae_nearest",
        loss="LaplacianLoss",
        make=lambda **layout: LaplacianLoss(distance="mae", diagonals=True, mode="nearest", **layout),
        reference=lambda t, p, d: reference_laplacian_loss(
            t, p, distance="mae", diagonals=True, mode="nearest", spatial_dims=d
        ),
        batch_invariant_bias=True,
    ),
    Case(
        name="gradient_difference_alpha2",
        loss="GradientDifferenceLoss",
        make=lambda **layout: GradientDifferenceLoss(alpha=2.0, **layout),
        reference=lambda t, p, d: reference_gradient_difference_loss(t, p, alpha=2.0, spatial_dims=d),
        batch_invariant_bias=True,
    ),
    Case(
        name="weighted_sum_sobel_mse",
        loss="WeightedSum",
        make=lambda **layout: WeightedSum(
            [SobelLoss(**layout), keras.losses.MeanSquaredError()], weights=[0.2, 0.8]
        ),
        reference=lambda t, p, d: (
            0.2 * reference_sobel_loss(t, p, spatial_dims=d) + 0.8 * reference_mse(t, p)
        ),
    ),
]
