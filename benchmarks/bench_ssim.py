"""SSIMLoss and MSSSIMLoss against the peers of each framework, forward and forward+backward.

Run: `KERAS_BACKEND=jax python -m benchmarks.bench_ssim [--sizes 64 256 512] [--json out.json]`
Inputs: `(4, N, N, 3)` float32 channels_last pairs in [0, 1]; every implementation returns
`1 - SSIM` (or `1 - MS-SSIM`) per image with the default window (11 taps, sigma 1.5).
Peers: keras.ops.image.ssim (every backend), tf.image.ssim / ssim_multiscale (tensorflow),
pytorch_msssim.ssim / ms_ssim (torch, where installed).
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


def _peers_ssim():
    peers = {"keras.ops.image.ssim": lambda t, p: 1.0 - ops.image.ssim(t, p, max_val=1.0)}
    if BACKEND == "tensorflow":
        import tensorflow as tf

        peers["tf.image.ssim"] = lambda t, p: 1.0 - tf.image.ssim(t, p, max_val=1.0)
    if BACKEND == "torch":
        try:
            import pytorch_msssim

            def torch_ssim(t, p):
                nchw = [x.permute(0, 3, 1, 2) for x in (t, p)]
                return 1.0 - pytorch_msssim.ssim(*nchw, data_range=1.0, size_average=False)

            peers["pytorch_msssim.ssim"] = torch_ssim
        except ImportError:
            pass
    return peers


def _peers_ms_ssim():
    peers = {}
    if BACKEND == "tensorflow":
        import tensorflow as tf

        peers["tf.image.ssim_multiscale"] = lambda t, p: 1.0 - tf.image.ssim_multiscale(t, p, 1.0)
    if BACKEND == "torch":
        try:
            import pytorch_msssim

            def torch_ms_ssim(t, p):
                nchw = [x.permute(0, 3, 1, 2) for x in (t, p)]
                return 1.0 - pytorch_msssim.ms_ssim(*nchw, data_range=1.0, size_average=False)

            peers["pytorch_msssim.ms_ssim"] = torch_ms_ssim
        except ImportError:
            pass
    return peers


CASES = [
    Case("ssim", imagelosses.ssim_loss, _images, _peers_ssim(),
         lambda t, p: 1.0 - reference_ssim(t, p), sizes=(64, 256, 512)),
]
if "--smoke" not in sys.argv:  # the smoke size (32) is below MS-SSIM's 161 for 5 scales
    # No float64 check here: the harness checks at min(size, 64), below MS-SSIM's minimum; the
    # tests hold ms_ssim to tf.image.ssim_multiscale and to reference_ms_ssim instead.
    CASES.append(Case("ms_ssim", imagelosses.ms_ssim_loss, _images, _peers_ms_ssim(), sizes=(192, 512)))

if __name__ == "__main__":
    run_family(CASES)
