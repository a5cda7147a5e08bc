"""Large inputs: every family's spatial reductions agree with float64 at 2048x2048 and 256**3.

One case per family (SSIM/MS-SSIM means, PSNR and pixel means, edge losses, the soft counts of
the region losses, pixel losses), each to 1e-5 relative against the float64
references of `tests/reference/`, eagerly and compiled (XLA on tensorflow, `jax.jit` on jax).
A plain float32 reduction on TensorFlow misses these by up to 2.6e-2 (see `imagelosses._reduce`).
The exact integer counts of the segmentation metrics past 2**24 pixels are tested in
`tests/metrics`. Inputs are one image of one channel (binary labels for the segmentation
losses) so the suite stays CI-sized; the values are far from 0, so 1e-5 relative means something.
"""

from __future__ import annotations

import numpy as np
import pytest

import imagelosses as il
from tests.conftest import BACKEND, to_numpy
from tests.reference.losses import reference_laplacian_loss
from tests.reference.segmentation import (
    reference_cross_entropy_loss,
    reference_dice_loss,
)
from tests.reference.structural import reference_charbonnier, reference_psnr, reference_ssim

pytestmark = pytest.mark.large

RTOL = 1e-5
# Two channels: a per-channel mean keeps the channel axis innermost, the slow path of TensorFlow's
# kernels (a one-channel sum over the trailing axes is a contiguous row, which it sums in a tree).
SHAPES = {"2048x2048": (1, 2048, 2048, 2), "256^3": (1, 256, 256, 256, 2)}


def _runs(fn, xla):
    """The ways `fit` runs the function: eager and XLA on tensorflow (different kernels),
    `jax.jit` on jax (its eager ops are the same XLA reductions), eager torch."""
    if BACKEND == "tensorflow":
        import tensorflow as tf

        return (fn, tf.function(fn, jit_compile=True)) if xla else (fn,)
    if BACKEND == "jax":
        import jax

        return (jax.jit(fn),)
    return (fn,)


def _check(fn, expected, *args, xla=True):
    for run in _runs(fn, xla):
        np.testing.assert_allclose(to_numpy(run(*args)), np.asarray(expected, np.float64), rtol=RTOL, atol=0)


@pytest.fixture(scope="module", params=list(SHAPES), ids=list(SHAPES))
def images(request):
    """An image in [0.4, 0.6] and a noisy copy (SSIM about 0.98)."""
    rng = np.random.default_rng(11)
    shape = SHAPES[request.param]
    y_true = rng.random(shape, dtype=np.float32) * 0.2 + 0.4
    y_pred = y_true + (rng.random(shape, dtype=np.float32) - 0.5) * 0.04
    return y_true, y_pred


@pytest.fixture(scope="module", params=list(SHAPES), ids=list(SHAPES))
def binary(request):
    """Two-class one-hot labels (30% foreground) and probabilities that mostly agree with them."""
    rng = np.random.default_rng(12)
    shape = SHAPES[request.param][:-1] + (1,)
    labels = (rng.random(shape, dtype=np.float32) < 0.3).astype(np.float32)
    p = 0.2 + 0.5 * labels + 0.25 * rng.random(shape, dtype=np.float32)
    return np.concatenate([1.0 - labels, labels], -1), np.concatenate([1.0 - p, p], -1)


def test_ssim_means(images):
    y_true, y_pred = images
    if y_true.ndim == 5:
        pytest.skip(
            "3D SSIM reduces with the per-sample mean PSNR's 256^3 case checks; its 3D "
            "filtering at 256^3 takes 20 s on a CPU"
        )
    # With one scale MS-SSIM is the SSIM: its per-channel means, then the mean over channels.
    # XLA's CPU convolutions take 12 s here; the reduction is the mean_over checked under XLA below.
    _check(
        lambda a, b: il.ms_ssim(a, b, power_factors=(1.0,)),
        reference_ssim(y_true, y_pred),
        y_true,
        y_pred,
        xla=False,
    )


def test_psnr_and_pixel_means(images):
    y_true, y_pred = images
    _check(lambda a, b: il.psnr(a, b), reference_psnr(y_true, y_pred), y_true, y_pred)
    _check(lambda a, b: il.charbonnier_loss(a, b), reference_charbonnier(y_true, y_pred), y_true, y_pred)


def test_edge_loss_mean(images):
    y_true, y_pred = images
    if y_true.ndim == 5:
        pytest.skip("the 3D Laplacian loss reduces with the same per-sample mean as the 2D one")
    _check(lambda a, b: il.laplacian_loss(a, b), reference_laplacian_loss(y_true, y_pred), y_true, y_pred)


def test_soft_counts_of_the_region_losses(binary):
    labels, p = binary
    per_image = labels.ndim == 5  # the batch statistic in 2D, per image in 3D
    _check(
        lambda a, b: il.dice_loss(a, b, per_image=per_image),
        reference_dice_loss(labels, p, per_image=per_image),
        labels,
        p,
    )


def test_cross_entropy_mean(binary):
    labels, p = binary
    if labels.ndim == 5:
        pytest.skip("the pixel losses reduce with the same sum_over as the region losses' 3D case")
    _check(lambda a, b: il.cross_entropy_loss(a, b), reference_cross_entropy_loss(labels, p), labels, p)
