"""Dice, focal and Lovasz-softmax losses against Keras's built-ins and MONAI, forward and backward.

Run: `KERAS_BACKEND=jax python -m benchmarks.bench_segmentation [--sizes 64 256] [--json out.json]`
Scaling (64 to 2048 per side; long on a CPU):
`KERAS_BACKEND=jax python -m benchmarks.bench_segmentation --profile scaling --device gpu --json out.json`
Inputs: `(4, N, N, 3)` float32 channels_last: one-hot labels and softmax probabilities (Dice,
Lovasz) or logits (focal); default N = 64, 256. Peers: `keras.losses.dice` and `keras.losses.
categorical_focal_crossentropy` on every backend; on torch, MONAI's `DiceLoss` and `FocalLoss`
(channels_first, so the permute is part of their time), and for Lovasz-softmax
`segmentation_models_pytorch.losses.LovaszLoss` where installed. Keras and MONAI ship no
Lovasz-softmax: on jax and tensorflow ours is timed alone. Soft clDice (from logits, 3 skeleton
iterations) against MONAI's `SoftclDiceLoss` on torch; timed alone elsewhere.
"""

from __future__ import annotations

import numpy as np
from keras import ops

import imagelosses
from benchmarks.harness import BACKEND, Case, run_family
from tests.reference import frontier as frontier_ref
from tests.reference import segmentation as ref

K = 3


def _logits(rng, size):
    labels = rng.integers(0, K, (4, size, size))
    onehot = np.eye(K)[labels]
    return onehot, 2.0 * onehot + rng.standard_normal(onehot.shape)


def _probabilities(rng, size):
    onehot, z = _logits(rng, size)
    return onehot, ref.probabilities(z, from_logits=True)


def _dice_peers():
    peers = {
        "keras.losses.dice": lambda t, p: ops.mean(
            ops.stack([keras_dice(t[..., c], p[..., c]) for c in range(K)], -1), -1
        )
    }
    if BACKEND == "torch":
        try:
            from monai.losses import DiceLoss

            monai = DiceLoss(reduction="none", smooth_nr=1.0, smooth_dr=1.0)
            peers["monai DiceLoss"] = lambda t, p: monai(p.permute(0, 3, 1, 2), t.permute(0, 3, 1, 2)).mean(
                dim=(1, 2, 3)
            )
        except ImportError:
            pass
    return peers


def keras_dice(t, p):
    import keras

    return keras.losses.dice(t, p, axis=(1, 2))


def _focal_peers():
    import keras

    peers = {
        "keras categorical_focal": lambda t, p: ops.mean(
            keras.losses.categorical_focal_crossentropy(t, p, alpha=1.0, from_logits=True), axis=(1, 2)
        )
    }
    if BACKEND == "torch":
        try:
            from monai.losses import FocalLoss

            monai = FocalLoss(use_softmax=True, gamma=2.0, reduction="none")
            peers["monai FocalLoss"] = lambda t, p: (
                monai(p.permute(0, 3, 1, 2), t.permute(0, 3, 1, 2)).sum(1).mean(dim=(1, 2))
            )
        except ImportError:
            pass
    return peers


def _lovasz_peers():
    peers = {}
    if BACKEND == "torch":
        try:
            from segmentation_models_pytorch.losses import LovaszLoss

            # Multiclass LovaszLoss always applies softmax over channels (its from_logits is
            # ignored), so it gets log-probabilities: softmax(log p) = p. Labels are integers
            # (N, H, W); per_image=True averages per image, like ours; it returns that mean.
            smp = LovaszLoss(mode="multiclass", per_image=True, from_logits=False)
            peers["smp LovaszLoss"] = lambda t, p: smp(p.permute(0, 3, 1, 2).log(), t.argmax(dim=-1))
        except ImportError:
            pass
    return peers


def _cldice_peers():
    """MONAI's `SoftclDiceLoss` (softmax of the logits, 3 skeleton iterations, smooth 1), torch."""
    peers = {}
    if BACKEND == "torch":
        try:
            from monai.losses import SoftclDiceLoss

            monai = SoftclDiceLoss(softmax=True, reduction="none")
            peers["monai SoftclDiceLoss"] = lambda t, p: monai(p.permute(0, 3, 1, 2), t.permute(0, 3, 1, 2))
        except ImportError:
            pass
    return peers


CASES = [
    Case(
        "dice", imagelosses.dice_loss, _probabilities, _dice_peers(), ref.reference_dice_loss, sizes=(64, 256)
    ),
    Case(
        "focal",
        lambda t, p: imagelosses.focal_loss(t, p, from_logits=True),
        _logits,
        _focal_peers(),
        lambda t, p: ref.reference_focal_loss(t, p, from_logits=True),
        sizes=(64, 256),
    ),
    Case(
        "lovasz_softmax",
        imagelosses.lovasz_softmax_loss,
        _probabilities,
        _lovasz_peers(),
        ref.reference_lovasz_softmax_loss,
        sizes=(64, 256),
    ),
    Case(
        "cldice",
        lambda t, p: imagelosses.soft_cldice_loss(t, p, from_logits=True),
        _logits,
        _cldice_peers(),
        lambda t, p: frontier_ref.reference_cldice_loss(t, p, from_logits=True),
        sizes=(64, 256),
        scaling_sizes=(64, 128, 256, 512, 1024),
    ),
]

if __name__ == "__main__":
    run_family(CASES)
