"""Sums and means over many elements, accurate to float32 rounding on every backend.

Every spatial reduction in the library (SSIM and PSNR means, edge and structural losses, the soft
counts of the segmentation losses) goes through `sum_over` / `mean_over`.

Why: TensorFlow's CPU kernels reduce an axis that is not the innermost one (the spatial axes of a
channels_last image), and under `jit_compile=True` (XLA) every axis, with one running float32
accumulator, so the relative error grows with the element count: on 4x2048x2048x3 uniform values,
summed over the spatial axes, 2.6e-2 eagerly and 3.1e-3 under XLA (1.6e-5 already at 256x256).
JAX and torch reduce in a tree on the CPU (3e-8 and 1.4e-7 there). Summing axis by axis does not
help under XLA, which merges consecutive reductions back into one. So on TensorFlow the sum is
accumulated in float64 (cast, reduce, cast back; XLA fuses the cast into the reduction), which
TensorFlow supports on CPUs and GPUs; TPUs have no float64 and reduce in a tree, so they keep
float32. The other backends reduce in float32 as they are.
"""

from __future__ import annotations

import functools

import keras
from keras import ops


def _float64_accumulation() -> bool:
    """Whether sums accumulate in float64: TensorFlow without TPUs.

    The backend test comes before the cached device query, so torch.compile never traces the
    `lru_cache` wrapper (dynamo warned once per process that it ignores the cache).
    """
    return keras.backend.backend() == "tensorflow" and not _tensorflow_has_tpus()


@functools.lru_cache(maxsize=1)
def _tensorflow_has_tpus() -> bool:
    import tensorflow as tf

    return bool(tf.config.list_logical_devices("TPU"))


def sum_over(x, axis, keepdims=False):
    """`ops.sum(x, axis)` accumulated in float64 on TensorFlow; returns `x`'s dtype."""
    if not _float64_accumulation():
        return ops.sum(x, axis=axis, keepdims=keepdims)
    return ops.cast(ops.sum(ops.cast(x, "float64"), axis=axis, keepdims=keepdims), x.dtype)


def mean_over(x, axis, keepdims=False):
    """`ops.mean(x, axis)` accumulated in float64 on TensorFlow; returns `x`'s dtype."""
    if not _float64_accumulation():
        return ops.mean(x, axis=axis, keepdims=keepdims)
    return ops.cast(ops.mean(ops.cast(x, "float64"), axis=axis, keepdims=keepdims), x.dtype)


def max_over(x, axis=None, keepdims=False, initial=None):
    """`ops.max(x, axis, keepdims, initial)`, which `torch.compile` traces without a graph break.

    keras 3.15's torch `max` and `min` end with `isinstance(getattr(result, "values", None),
    torch.Tensor)`, which dynamo cannot decide: one graph break per call. On torch a non-empty
    input takes `ops.amax` instead (then `initial` as a lower bound, as `ops.max` applies it); an
    empty one keeps `ops.max`, whose `initial` is the value of an empty maximum.
    """
    if keras.backend.backend() != "torch" or 0 in tuple(x.shape):
        return ops.max(x, axis=axis, keepdims=keepdims, initial=initial)
    out = ops.amax(x, axis=axis, keepdims=keepdims)
    return out if initial is None else ops.maximum(out, initial)


def min_over(x, axis=None, keepdims=False, initial=None):
    """`ops.min(x, axis, keepdims, initial)`, traced by `torch.compile` without a graph break
    (see `max_over`)."""
    if keras.backend.backend() != "torch" or 0 in tuple(x.shape):
        return ops.min(x, axis=axis, keepdims=keepdims, initial=initial)
    out = ops.amin(x, axis=axis, keepdims=keepdims)
    return out if initial is None else ops.minimum(out, initial)
