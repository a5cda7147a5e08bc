"""Contract cases of the registration losses: local NCC, mutual information, field regularisers.

The regularisers take a displacement field with one channel per spatial axis, so their data makes
`y_pred` with 2 channels for 2D shapes and 3 for volumes, whatever `channels` the suite asks for
(`channels=2` is the test model's output); sequences would need 2 channels at rank 5, so those
cases leave them out of `dims` (tests/registration covers sequences). `y_true` is random: its
values are ignored, which the references (functions of `y_pred` alone) check.
"""

import numpy as np

from imagelosses import BendingEnergyLoss, DiffusionLoss, GlobalMutualInformationLoss, LocalNCCLoss
from tests.contract.case import Case, random_images
from tests.reference.registration import (
    reference_bending_energy,
    reference_diffusion,
    reference_global_mutual_information,
    reference_local_ncc,
)


def _fields(rng, shape):
    """`(y_true, y_pred)` with `len(shape) - 2` channels: 2 for `(N, H, W, C)`, 3 for volumes."""
    return random_images(rng, tuple(shape[:-1]) + (len(shape) - 2,))


GAUSSIAN_5 = dict(kernel_size=5, kernel_type="gaussian")
BSPLINE_12 = dict(kernel_type="b-spline", num_bins=12)

CASES = [
    Case(
        name="local_ncc_rectangular_3",
        loss="LocalNCCLoss",
        make=lambda **layout: LocalNCCLoss(**layout),
        reference=lambda t, p, d: reference_local_ncc(t, p, d),
        bounds=(-1.0, 0.0),
    ),
    Case(
        name="local_ncc_gaussian_5_two_channels",
        loss="LocalNCCLoss",
        make=lambda **layout: LocalNCCLoss(**GAUSSIAN_5, **layout),
        reference=lambda t, p, d: reference_local_ncc(t, p, d, **GAUSSIAN_5),
        channels=2,
        bounds=(-1.0, 0.0),
    ),
    Case(
        name="global_mi_gaussian",
        loss="GlobalMutualInformationLoss",
        make=lambda **layout: GlobalMutualInformationLoss(**layout),
        reference=lambda t, p, d: reference_global_mutual_information(t, p),
        head="sigmoid",  # intensities in [0, 1]: the Gaussian windows clip outside
        bounds=(-float(np.log(23)), 0.0),
    ),
    Case(
        name="global_mi_bspline_12_bins",
        loss="GlobalMutualInformationLoss",
        make=lambda **layout: GlobalMutualInformationLoss(**BSPLINE_12, **layout),
        reference=lambda t, p, d: reference_global_mutual_information(t, p, **BSPLINE_12),
        bounds=(-float(np.log(12)), 0.0),
    ),
    Case(
        name="bending_energy",
        loss="BendingEnergyLoss",
        make=lambda **layout: BendingEnergyLoss(**layout),
        reference=lambda t, p, d: reference_bending_energy(p, d),
        data=_fields,
        channels=2,
        dims=("2d", "3d"),
        batch_invariant_bias=True,
    ),
    Case(
        name="diffusion_normalized",
        loss="DiffusionLoss",
        make=lambda **layout: DiffusionLoss(normalize=True, **layout),
        reference=lambda t, p, d: reference_diffusion(p, d, normalize=True),
        data=_fields,
        channels=2,
        dims=("2d", "3d"),
        batch_invariant_bias=True,
    ),
]
