"""Boundary loss and Hausdorff-distance loss: MONAI 1.6, float64 references, known values, gradients."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import imagelosses
from tests.conftest import assert_close, compiled, gradient, to_numpy
from tests.reference.distance import (
    blob_labels,
    one_hot_channels_first,
    reference_boundary_loss,
    reference_hausdorff_dt_loss,
)

torch = pytest.importorskip("torch")
monai_losses = pytest.importorskip("monai.losses")

K = 3


@pytest.fixture(scope="module")
def data_2d():
    rng = np.random.default_rng(11)
    truth = blob_labels(rng, (3, 14, 16), K)
    truth[0][truth[0] == 2] = 0  # class 2 absent from image 0
    probs = rng.random((3, 14, 16, K)).astype("float32")
    probs[1] = np.eye(K)[truth[1]] * 0.8 + 0.2 * probs[1]  # a good prediction
    return truth, probs / probs.sum(-1, keepdims=True)


def _monai(cls, truth, probs, **kwargs):
    loss = getattr(monai_losses, cls)(**kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return loss(
            torch.tensor(np.moveaxis(probs, -1, 1)),
            torch.tensor(one_hot_channels_first(truth, probs.shape[-1])),
        ).numpy()


@pytest.mark.parametrize("include_background", [False, True])
def test_hausdorff_dt_equals_monai_per_image(data_2d, include_background):
    truth, probs = data_2d
    got = compiled(lambda t, p: imagelosses.hausdorff_dt_loss(t, p, include_background=include_background))(
        truth, probs
    )
    per_class = _monai(
        "HausdorffDTLoss", truth, probs, include_background=include_background, reduction="none"
    )
    np.testing.assert_allclose(to_numpy(got), per_class.reshape(3, -1).mean(1), rtol=1e-5, atol=1e-6)


def test_hausdorff_dt_3d_alpha_and_log_equal_monai():
    rng = np.random.default_rng(12)
    truth = blob_labels(rng, (1, 6, 8, 10), 2)
    probs = rng.random((1, 6, 8, 10, 2)).astype("float32")
    probs /= probs.sum(-1, keepdims=True)

    def both(t, p):
        return (
            imagelosses.hausdorff_dt_loss(t, p, alpha=1.5, spatial_dims=3),
            imagelosses.hausdorff_dt_loss(t, p, log=True, spatial_dims=3),
        )

    plain, log = compiled(both)(truth, probs)
    np.testing.assert_allclose(to_numpy(plain), _monai("HausdorffDTLoss", truth, probs, alpha=1.5), rtol=1e-5)
    # MONAI takes the log of the batch mean: the same as ours for one image per batch
    np.testing.assert_allclose(to_numpy(log), _monai("LogHausdorffDTLoss", truth, probs), rtol=1e-5)


def test_against_float64_references_with_spacing_and_class_weights(data_2d):
    truth, probs = data_2d
    options = dict(spacing=(0.5, 2.0), class_weights=[0.0, 1.0, 3.0])

    def both(t, p):
        return (imagelosses.boundary_loss(t, p, **options), imagelosses.hausdorff_dt_loss(t, p, **options))

    boundary, hd = compiled(both)(truth, probs)
    labels = truth[..., None].astype(np.float64)
    assert_close(boundary, reference_boundary_loss(labels, probs, **options))
    assert_close(hd, reference_hausdorff_dt_loss(labels, probs, **options))


def test_known_values_and_degenerate_classes():
    truth = np.zeros((3, 8, 8), np.int32)
    truth[0, 2:6, 2:6] = 1  # a 4x4 square: 12 pixels at distance 1 inside, 4 at distance 2
    truth[2] = 1  # class 1 everywhere: no boundary, no distance map
    perfect = np.eye(2, dtype="float32")[truth]

    def all_values(t, p):
        return (imagelosses.boundary_loss(t, p), imagelosses.hausdorff_dt_loss(t, p))

    boundary, hd = (to_numpy(v) for v in compiled(all_values)(truth, perfect))
    np.testing.assert_allclose(boundary, [-4 / 64, 0.0, 0.0])  # inner pixels: phi = 1 - 2
    np.testing.assert_allclose(hd, [0.0, 0.0, 0.0])  # p = g: no error anywhere
    empty = np.zeros_like(perfect)
    empty[..., 0] = 1.0  # nothing predicted for class 1: the square costs its distances
    boundary, hd = (to_numpy(v) for v in compiled(all_values)(truth[:1], empty[:1]))
    assert boundary[0] == 0.0  # p_1 = 0 everywhere
    assert hd[0] > 0.0


def test_gradients_are_the_detached_distance_maps(data_2d):
    truth, probs = data_2d
    labels = truth[..., None].astype(np.float64)
    grad = gradient(lambda p: imagelosses.boundary_loss(truth, p), probs, jit=True)
    # d/dp_k of mean(p_k phi_k) / (K - 1) is phi_k / (N (K - 1)): recover phi from the reference
    for c in (1, 2):
        bump = probs.astype(np.float64).copy()
        bump[..., c] += 1.0
        expected = reference_boundary_loss(labels, bump) - reference_boundary_loss(labels, probs)
        np.testing.assert_allclose(grad[..., c].sum(axis=(1, 2)), expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(grad[..., 0], 0.0)  # background excluded
    grad = gradient(lambda p: imagelosses.hausdorff_dt_loss(truth, p), probs, jit=True)
    assert np.all(np.isfinite(grad)) and np.any(grad != 0)


def test_bad_options():
    labels = np.zeros((1, 6, 6), np.int32)
    probs = np.full((1, 6, 6, 2), 0.5, np.float32)
    with pytest.raises(ValueError, match="alpha"):
        imagelosses.HausdorffDTLoss(alpha=-1.0)
    with pytest.raises(TypeError, match="log"):
        imagelosses.HausdorffDTLoss(log=1)
    with pytest.raises(ValueError, match="spacing"):
        imagelosses.BoundaryLoss(spacing=0.0)
    with pytest.raises(ValueError, match="spacing"):
        imagelosses.boundary_loss(labels, probs, spacing=(1.0, 1.0, 1.0))
