"""Sobel and Laplacian losses against the peers of each framework, forward and forward+backward.

Run: `KERAS_BACKEND=jax python -m benchmarks.bench_edges [--sizes 64 256 1024] [--json out.json]`
Scaling (64 to 2048 per side; long on a CPU):
`KERAS_BACKEND=jax python -m benchmarks.bench_edges --profile scaling --device gpu --json out.json`
Inputs: `(4, N, N, 3)` float32 channels_last pairs in [0, 1], default N = 64, 256, 1024; the loss
is the MSE of the maps. Peers: keras.ops.image.sobel_edges (every backend), tf.image.sobel_edges and
tf.nn.depthwise_conv2d (tensorflow), kornia's spatial_gradient and laplacian (torch, where installed).
"""

from __future__ import annotations

import numpy as np
from keras import ops

import imagelosses
from benchmarks.harness import BACKEND, Case, run_family
from tests.reference.losses import reference_laplacian_loss, reference_sobel_loss


def _images(rng, size):
    t = rng.random((4, size, size, 3))
    return t, np.clip(t + 0.1 * rng.standard_normal(t.shape), 0, 1)


def _keras_sobel(t, p):
    d = ops.image.sobel_edges(t) - ops.image.sobel_edges(p)
    return ops.mean(ops.square(d), axis=(1, 2, 3, 4))


def _peers_sobel():
    peers = {"keras.ops.image.sobel_edges": _keras_sobel}
    if BACKEND == "tensorflow":
        import tensorflow as tf

        peers["tf.image.sobel_edges"] = lambda t, p: tf.reduce_mean(
            tf.square(tf.image.sobel_edges(t) - tf.image.sobel_edges(p)), axis=(1, 2, 3, 4)
        )
    if BACKEND == "torch":
        try:
            import kornia

            def grad(x):
                return kornia.filters.spatial_gradient(x.permute(0, 3, 1, 2), mode="sobel", normalized=False)

            peers["kornia spatial_gradient"] = lambda t, p: ((grad(t) - grad(p)) ** 2).mean(dim=(1, 2, 3, 4))
        except ImportError:
            pass
    return peers


def _peers_laplacian():
    peers = {}
    if BACKEND == "tensorflow":
        import tensorflow as tf

        kernel = np.zeros((3, 3, 3, 1), np.float32)
        kernel[:, :, :, 0] = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], np.float32)[..., None]

        def lap(x):
            x = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="SYMMETRIC")
            return tf.nn.depthwise_conv2d(x, kernel, [1, 1, 1, 1], "VALID")

        peers["tf.nn.depthwise_conv2d"] = lambda t, p: tf.reduce_mean(
            tf.square(lap(t) - lap(p)), axis=(1, 2, 3)
        )
    if BACKEND == "torch":
        try:
            import kornia

            def lap(x):
                x = x.permute(0, 3, 1, 2)
                return kornia.filters.laplacian(x, 3, border_type="reflect", normalized=False)

            peers["kornia laplacian"] = lambda t, p: ((lap(t) - lap(p)) ** 2).mean(dim=(1, 2, 3))
        except ImportError:
            pass
    return peers


CASES = [
    Case("sobel", imagelosses.sobel_loss, _images, _peers_sobel(), reference_sobel_loss),
    Case("laplacian", imagelosses.laplacian_loss, _images, _peers_laplacian(), reference_laplacian_loss),
]

if __name__ == "__main__":
    run_family(CASES)
