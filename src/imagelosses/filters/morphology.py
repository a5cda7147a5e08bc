"""Soft (grey-level) morphology by min/max pooling, and the soft skeleton of Shit et al. 2021.

Inputs are channels_last `(N, *spatial, C)` with 2 or 3 spatial axes, values in [0, 1]. Every
pooling is `keras.ops.max_pool` with stride 1 and "same" padding, whose padded cells never win
(TensorFlow and JAX pool only over the image; torch pads with -inf): a border is neither eroded
nor dilated from outside the image. This is what MONAI's `soft_erode` / `soft_dilate` do
(`torch.nn.functional.max_pool` pads with -inf), so the skeletons agree at the borders too.
"""

from __future__ import annotations

from keras import ops


def _pool(x, size):
    return ops.max_pool(x, pool_size=size, strides=1, padding="same", data_format="channels_last")


def soft_erode(x, spatial_dims: int):
    """The minimum over the 3-sample segment along each spatial axis, then over the axes
    (a cross-shaped erosion, as the reference implementation's two or three 1D pools)."""
    eroded = None
    for axis in range(spatial_dims):
        size = [1] * spatial_dims
        size[axis] = 3
        along = -_pool(-x, tuple(size))
        eroded = along if eroded is None else ops.minimum(eroded, along)
    return eroded


def soft_dilate(x, spatial_dims: int):
    """The maximum over the 3x3 (3x3x3) neighbourhood."""
    return _pool(x, (3,) * spatial_dims)


def soft_open(x, spatial_dims: int):
    return soft_dilate(soft_erode(x, spatial_dims), spatial_dims)


def soft_skeleton(x, iters: int, spatial_dims: int):
    """Shit et al.'s soft skeleton: `iters` erosions, each adding what an opening removes.

    `skel = relu(x - open(x))`, then `iters` times: `x = erode(x)`,
    `delta = relu(x - open(x))`, `skel = skel + relu(delta - skel * delta)`.
    """
    skeleton = ops.relu(x - soft_open(x, spatial_dims))
    for _ in range(iters):  # a loop over iterations (an option), not over a tensor axis
        x = soft_erode(x, spatial_dims)
        delta = ops.relu(x - soft_open(x, spatial_dims))
        skeleton = skeleton + ops.relu(delta - skeleton * delta)
    return skeleton
