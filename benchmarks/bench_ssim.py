"""SSIMLoss and MSSSIMLoss against the peers of each framework, forward and forward+backward.

Run: `KERAS_BACKEND=jax python -m benchmarks.bench_ssim [--sizes 64 256 512] [--json out.json]`
Scaling (64 to 2048 per side for 2D, 16 to 128 for 3D; minutes on a GPU, long on a CPU):
`KERAS_BACKEND=jax python -m benchmarks.bench_ssim --profile scaling --device gpu --json out.json`
(one case: `--cases ssim`; any sides: `--sizes 64 128 256 512 1024 2048`).

Cases (every implementation returns `1 - SSIM` or `1 - MS-SSIM` per image, window 11 taps, sigma
1.5, data range 1):
- ssim, ms_ssim: `(4, N, N, 3)` float32 channels_last pairs in [0, 1]; default N = 64, 256, 512
  (ssim) and 192, 512 (ms_ssim, whose five scales need N >= 161).
- ssim_3d: `(2, N, N, N, 1)` float32 channels_last volumes (spatial_dims inferred as 3), N = 32, 64.

Peers: keras.ops.image.ssim (every backend, 2D); tf.image.ssim / ssim_multiscale (tensorflow);
dm_pix.ssim (jax, 2D); pytorch_msssim.ssim / ms_ssim (torch, 2D and 3D, NCHW / NCDHW, so the
permute is part of their time); piq.ssim / multi_scale_ssim (torch, 2D, `downsample=False`). Peers
from other packages (dm_pix, pytorch_msssim, piq) are timed where installed, skipped otherwise.
"""

from __future__ import annotations

import sys

import numpy as np
from keras import ops

import imagelosses
from benchmarks.harness import BACKEND, Case, run_family
from tests.reference.structural import reference_ssim


def _images(rng, size):
    t = rng.random((4, size, size, 3))
    return t, np.clip(t + 0.1 * rng.standard_normal(t.shape), 0, 1)


def _volumes(rng, size):
    t = rng.random((2, size, size, size, 1))
    return t, np.clip(t + 0.1 * rng.standard_normal(t.shape), 0, 1)


def _channels_first(*xs):
    """NCHW / NCDHW views of channels_last torch tensors."""
    return [x.permute(0, x.ndim - 1, *range(1, x.ndim - 1)) for x in xs]


def _torch_peers(multiscale=False):
    """pytorch_msssim and piq, each where installed; both take channels_first input."""
    peers = {}
    try:
        import pytorch_msssim

        fn = pytorch_msssim.ms_ssim if multiscale else pytorch_msssim.ssim
        peers[f"pytorch_msssim.{fn.__name__}"] = lambda t, p: (
            1.0 - fn(*_channels_first(t, p), data_range=1.0, size_average=False)
        )
    except ImportError:
        pass
    try:
        import piq

        if multiscale:
            peers["piq.multi_scale_ssim"] = lambda t, p: (
                1.0 - piq.multi_scale_ssim(*_channels_first(t, p), data_range=1.0, reduction="none")
            )
        else:  # downsample=False: piq otherwise averages 2x2 blocks of images above 256 pixels first
            peers["piq.ssim"] = lambda t, p: (
                1.0 - piq.ssim(*_channels_first(t, p), data_range=1.0, reduction="none", downsample=False)
            )
    except ImportError:
        pass
    return peers


def _peers_ssim():
    peers = {"keras.ops.image.ssim": lambda t, p: 1.0 - ops.image.ssim(t, p, max_val=1.0)}
    if BACKEND == "tensorflow":
        import tensorflow as tf

        peers["tf.image.ssim"] = lambda t, p: 1.0 - tf.image.ssim(t, p, max_val=1.0)
    if BACKEND == "jax":
        try:
            import dm_pix

            peers["dm_pix.ssim"] = lambda t, p: 1.0 - dm_pix.ssim(t, p, max_val=1.0)
        except ImportError:
            pass
    if BACKEND == "torch":
        peers.update(_torch_peers())
    return peers


def _peers_ms_ssim():
    peers = {}
    if BACKEND == "tensorflow":
        import tensorflow as tf

        peers["tf.image.ssim_multiscale"] = lambda t, p: 1.0 - tf.image.ssim_multiscale(t, p, 1.0)
    if BACKEND == "torch":
        peers.update(_torch_peers(multiscale=True))
    return peers


def _peers_ssim_3d():
    peers = {}
    if BACKEND == "torch":
        try:  # 5-D input: a separable 3D Gaussian window, valid positions only, as ours
            import pytorch_msssim

            peers["pytorch_msssim.ssim"] = lambda t, p: (
                1.0
                - pytorch_msssim.ssim(*_channels_first(t, p), data_range=1.0, size_average=False, win_size=11)
            )
        except ImportError:
            pass
    return peers


CASES = [
    Case(
        "ssim",
        imagelosses.ssim_loss,
        _images,
        _peers_ssim(),
        lambda t, p: 1.0 - reference_ssim(t, p),
        sizes=(64, 256, 512),
    ),
    Case(
        "ssim_3d",
        imagelosses.ssim_loss,
        _volumes,
        _peers_ssim_3d(),
        lambda t, p: 1.0 - reference_ssim(t, p),
        sizes=(32, 64),
        scaling_sizes=(16, 32, 48, 64, 96, 128),
    ),
]
if "--smoke" not in sys.argv:  # the smoke size (32) is below MS-SSIM's 161 for 5 scales
    # No float64 check here: the harness checks at min(size, 64), below MS-SSIM's minimum; the
    # tests hold ms_ssim to tf.image.ssim_multiscale and to reference_ms_ssim instead.
    CASES.append(
        Case(
            "ms_ssim",
            imagelosses.ms_ssim_loss,
            _images,
            _peers_ms_ssim(),
            sizes=(192, 512),
            scaling_sizes=(192, 256, 512, 1024, 2048),
        )
    )

if __name__ == "__main__":
    run_family(CASES)
