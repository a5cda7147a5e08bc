"""The one filtering primitive: per-channel separable correlation with scipy.ndimage's boundary modes.

A 1D correlation along one axis is a sum of shifted slices of the padded input, one per non-zero
tap. Channels never mix (the filter is depthwise by construction), any axis can be filtered, so
layouts need no transposes, and every backend runs the same exact arithmetic: no backend
convolution with its own padding rules is involved.

Modes, with scipy.ndimage's names and meanings (input `a b c d`, one pad cell shown):
- "reflect":  `a | a b c d | d` (edge sample repeated in the mirror: numpy "symmetric")
- "mirror":   `b | a b c d | c` (mirror about the edge sample: numpy "reflect", OpenCV's default)
- "nearest":  `a | a b c d | d` for one cell, the edge sample repeated for any width
- "constant": `0 | a b c d | 0`
- "valid":    no padding: the output loses `len(taps) - 1` samples along the axis.

Taps are Python constants inside every traced function: each entry point turns them into a tuple
of Python floats (`static_taps`), and taps computed by a builder while a loss runs are built
outside tracing (`constant_taps`). Under `torch.compile`, numpy values are traced as tensors, so a
numpy tap tested against 0 (`if weight == 0.0`) is a data-dependent branch that breaks the graph
(23 breaks per step for SobelLoss before this rule); the values are the same float64 numbers.
"""

from __future__ import annotations

import functools
import math

import keras
import numpy as np
from keras import ops

from imagelosses._shapes import check_choice

MODES = ("reflect", "mirror", "nearest", "constant", "valid")


def check_mode(mode: str) -> None:
    check_choice("mode", mode, MODES)


def static_taps(taps) -> tuple[float, ...]:
    """`taps` (a sequence or a 1D numpy array of numbers) as a tuple of Python floats, same values.

    A module-level numpy constant (`kernels.SOBEL_DERIVATIVE`) converts without tracing; taps a
    builder computes while a loss runs come through `constant_taps`.
    """
    if isinstance(taps, np.ndarray):
        return tuple(float(t) for t in taps.tolist())
    return tuple(float(t) for t in taps)


def constant_taps(builder):
    """`builder(*args) -> numpy taps` as a cached function of static numbers returning `static_taps`.

    Under `torch.compile` it is marked `torch.compiler.assume_constant_result`: dynamo runs it at
    trace time, with numpy, and treats the tuple as a constant instead of tracing the numpy code.

    >>> from imagelosses.filters.kernels import gaussian_taps
    >>> constant_taps(gaussian_taps)(3, 1.0)
    (0.274068619061197, 0.45186276187760605, 0.274068619061197)
    """

    def build(*args) -> tuple[float, ...]:
        return static_taps(np.asarray(builder(*args), np.float64).ravel())

    if keras.backend.backend() == "torch":
        import torch

        build = torch.compiler.assume_constant_result(build)
    return functools.cache(build)  # outermost: dynamo calls through a cache to the marked function


def _take(x, axis: int, start, stop):
    index = [slice(None)] * len(x.shape)
    index[axis] = slice(start, stop)
    return x[tuple(index)]


def _min_size(mode: str, radius: int) -> int:
    return {"reflect": radius, "mirror": radius + 1, "nearest": 1, "constant": 1}.get(mode, 2 * radius + 1)


def check_size(x, axes, radius: int, mode: str, name: str = "images", layout=None) -> None:
    """Static check that every filtered axis is long enough for `mode` at this filter radius.

    `layout` (an `imagelosses._shapes.Layout`), when given, is described in the message.
    """
    need = _min_size(mode, radius)
    assumed = f" `{name}` is {layout.describe()}." if layout is not None else ""
    for axis in axes:
        size = x.shape[axis]
        if size is not None and size < need:
            raise ValueError(
                f"`{name}` is too small along axis {axis} for mode={mode!r} with a filter of "
                f"{2 * radius + 1} taps: expected at least {need} samples.{assumed} "
                f"Received: {name}.shape={tuple(x.shape)}"
            )


def pad_axis(x, axis: int, radius: int, mode: str):
    """Pads `radius` samples on both sides of `axis` following scipy.ndimage's `mode`."""
    if radius == 0 or mode == "valid":
        return x
    if mode == "reflect":
        before = ops.flip(_take(x, axis, 0, radius), axis=axis)
        after = ops.flip(_take(x, axis, -radius, None), axis=axis)
    elif mode == "mirror":
        before = ops.flip(_take(x, axis, 1, radius + 1), axis=axis)
        after = ops.flip(_take(x, axis, -radius - 1, -1), axis=axis)
    elif mode == "nearest":
        before = ops.repeat(_take(x, axis, 0, 1), radius, axis=axis)
        after = ops.repeat(_take(x, axis, -1, None), radius, axis=axis)
    else:  # constant: zeros, shaped like an edge slab
        before = ops.zeros_like(ops.repeat(_take(x, axis, 0, 1), radius, axis=axis))
        after = before
    return ops.concatenate([before, x, after], axis=axis)


def correlate1d(x, taps, axis: int, mode: str):
    """`scipy.ndimage.correlate1d(x, taps, axis, mode=mode)` (cval 0), odd `taps`, any backend.

    Portable path: one shifted slice of the padded input per non-zero tap. On the TensorFlow
    backend, filters of `TF_CONV_MIN_TAPS` taps or more run as one single-channel convolution
    instead (its gradient is 2-3x cheaper there than the slices'); `sliced_correlate1d` is the
    reference both are tested against.
    """
    taps = static_taps(taps)
    padded = pad_axis(x, axis, len(taps) // 2, mode)
    backend = keras.backend.backend()
    if len(taps) >= TF_CONV_MIN_TAPS and backend == "tensorflow":
        return tf_conv_correlate1d(padded, taps, axis)
    if backend == "jax":
        return jax_correlate1d(padded, taps, axis)
    return sliced_correlate1d(padded, taps, axis)


# From this many taps on, a convolution beats shifted slices on TensorFlow (measured on a CPU:
# 11 taps, fwd+bwd 33 ms against 82 ms; 3 taps, 23 ms against 24 ms).
TF_CONV_MIN_TAPS = 5


def sliced_correlate1d(padded, taps, axis: int):
    """Valid correlation of an already padded input: a sum of shifted slices (the reference)."""
    taps = static_taps(taps)
    radius = len(taps) // 2
    total = None
    for k, weight in enumerate(taps):
        if weight == 0.0:
            continue
        stop = k - 2 * radius
        term = _take(padded, axis, k, stop if stop != 0 else None)
        if weight == -1.0:
            term = -term
        elif weight != 1.0:
            term = term * weight
        total = term if total is None else total + term
    return total


def jax_correlate1d(padded, taps, axis: int):
    """JAX fast path: `sliced_correlate1d` with its gradient written out.

    The gradient of a valid correlation is the correlation of the zero-padded cotangent with the
    reversed taps: again a sum of shifted slices, which XLA fuses into one loop. Left to
    autodiff, each slice's gradient is a zero-padded full-size array (one per tap), which on a
    CPU made SSIM's forward+backward 27x slower and 10x larger in memory (4x256x256x12 maps,
    11 taps: 570 ms and 127 MiB against 21 ms and 12.5 MiB). Reverse mode only: `jax.jvp`
    (forward mode) does not go through a custom VJP.
    """
    return _jax_valid_correlation(static_taps(taps), axis % len(padded.shape))(padded)


@functools.cache
def _jax_valid_correlation(taps: tuple, axis: int):
    import jax
    import jax.numpy as jnp

    radius = len(taps) // 2

    @jax.custom_vjp
    def correlate(x):
        return sliced_correlate1d(x, taps, axis)

    def forward(x):
        return correlate(x), None  # linear: nothing to keep for the backward pass

    def backward(_, cotangent):
        widths = [(0, 0)] * cotangent.ndim
        widths[axis] = (2 * radius, 2 * radius)
        return (sliced_correlate1d(jnp.pad(cotangent, widths), taps[::-1], axis),)

    correlate.defvjp(forward, backward)
    return correlate


def tf_conv_correlate1d(padded, taps, axis: int):
    """TensorFlow fast path: valid correlation along `axis` as a conv2d on a `(A, L, B, 1)` view."""
    import tensorflow as tf

    padded = tf.convert_to_tensor(padded)
    axis = axis % len(padded.shape)
    shape = tf.shape(padded)
    length = shape[axis]
    view = tf.reshape(
        padded,
        tf.stack([tf.reduce_prod(shape[:axis]), length, tf.reduce_prod(shape[axis + 1 :]), 1]),
    )
    kernel = tf.constant(np.asarray(taps).reshape(-1, 1, 1, 1), dtype=padded.dtype)
    out = tf.nn.conv2d(view, kernel, strides=1, padding="VALID")
    out_shape = tf.concat([shape[:axis], [length - len(taps) + 1], shape[axis + 1 :]], axis=0)
    out = tf.reshape(out, out_shape)
    static = list(padded.shape)
    if static[axis] is not None:
        static[axis] -= len(taps) - 1
    return tf.ensure_shape(out, static)


def depthwise_valid_2d(x, taps_h, taps_w, data_format: str):
    """Valid separable correlation of a rank-4 `(N, H, W, C)` / `(N, C, H, W)` batch, per channel.

    Two `keras.ops.depthwise_conv` passes, a `(len(taps_h), 1)` then a `(1, len(taps_w))` kernel
    repeated over the channels: the backend's convolution instead of shifted slices. Equal to
    `separable_correlate(x, {H: taps_h, W: taps_w}, "valid")` to float32 rounding; faster for long
    filters on the TensorFlow and torch backends (on a CPU, jax runs the slices faster).
    """
    channels = x.shape[-1 if data_format == "channels_last" else 1]
    taps_h, taps_w = static_taps(taps_h), static_taps(taps_w)
    if keras.backend.backend() == "torch":
        return torch_depthwise_valid_2d(x, taps_h, taps_w, data_format)
    for taps, kernel_shape in ((taps_h, (len(taps_h), 1)), (taps_w, (1, len(taps_w)))):
        kernel = np.asarray(taps, np.float32).reshape(*kernel_shape, 1, 1)
        kernel = np.tile(kernel, (1, 1, channels, 1))
        x = ops.depthwise_conv(x, kernel, strides=1, padding="valid", data_format=data_format)
    return x


def torch_depthwise_valid_2d(x, taps_h, taps_w, data_format: str):
    """torch fast path of `depthwise_valid_2d`: two grouped `conv2d` calls on an NCHW view.

    A channels_last tensor is permuted without a copy (torch then runs its channels_last
    convolution kernels); `keras.ops.depthwise_conv` copies to NCHW and back around each call.
    Measured on a 2-core CPU, 4x512x512x12 maps, 11 taps: forward 45 ms against 179 ms,
    forward+backward 186 ms against 289 ms.
    """
    import torch
    import torch.nn.functional as F

    x = torch.as_tensor(x)
    nchw = x.permute(0, 3, 1, 2) if data_format == "channels_last" else x
    channels = nchw.shape[1]
    for taps, shape in ((taps_h, (1, 1, len(taps_h), 1)), (taps_w, (1, 1, 1, len(taps_w)))):
        # float32 like the other paths' kernels: the tuple's float64 values rounded once
        kernel = torch.tensor(static_taps(taps), dtype=torch.float32, device=x.device).to(x.dtype)
        nchw = F.conv2d(nchw, kernel.reshape(shape).repeat(channels, 1, 1, 1), groups=channels)
    return nchw.permute(0, 2, 3, 1) if data_format == "channels_last" else nchw


def separable_correlate(x, taps_by_axis: dict, mode: str):
    """Correlates with the outer product of 1D taps, one pass per axis in `taps_by_axis`."""
    for axis, taps in taps_by_axis.items():
        x = correlate1d(x, taps, axis, mode)
    return x


def crop(x, axes, radius: int):
    """Drops `radius` samples at both ends of each axis (aligns full-size maps with "valid")."""
    for axis in axes:
        x = _take(x, axis, radius, -radius if radius else None)
    return x


def forward_difference(x, axis: int):
    """`x[i + 1] - x[i]` along `axis`: one sample shorter, no padding."""
    return _take(x, axis, 1, None) - _take(x, axis, 0, -1)


# The sample next to each edge that scipy.ndimage's modes copy into a 1-sample border.
_EDGE_SOURCE = {"reflect": (0, -1), "nearest": (0, -1), "mirror": (1, -2)}


def _tf_pad_one(x, axis: int, mode: str):
    """One border sample on each side of `axis`, in TensorFlow ops, as `pad_axis(x, axis, 1, mode)`.

    Slices rather than tf.pad: MirrorPad rejects an empty batch ("paddings must be less than the
    dimension size") and has no "nearest".
    """
    import tensorflow as tf

    if mode == "valid":
        return x
    if mode == "constant":
        edge = tf.zeros_like(_take(x, axis, 0, 1))
        return tf.concat([edge, x, edge], axis=axis)
    first, last = _EDGE_SOURCE[mode]
    before = _take(x, axis, first, first + 1)
    after = _take(x, axis, last, last + 1 if last != -1 else None)
    return tf.concat([before, x, after], axis=axis)


def static_kernels(kernels) -> tuple:
    """3x3 kernels (numpy arrays or nested sequences) as nested tuples of Python floats.

    The form `correlate3x3` takes: constants to every tracer, built once at import by the callers.
    """
    return tuple(tuple(static_taps(row) for row in np.asarray(k, np.float64)) for k in kernels)


def correlate3x3_applies(x, layout) -> bool:
    """Whether `correlate3x3` has a convolution path for this input: 2D images on torch (either
    data format), or on TensorFlow channels_last with a known channel count."""
    if layout.spatial_dims != 2:
        return False
    backend = keras.backend.backend()
    if backend == "torch":
        return True
    return backend == "tensorflow" and layout.data_format == "channels_last" and x.shape[-1] is not None


def correlate3x3(x, kernels, mode: str, layout):
    """Every 3x3 kernel of `kernels` (from `static_kernels`) applied to each channel of 2D images.

    Returns `x`'s shape (each spatial side shrunk by 2 with "valid") plus a last axis of one
    output per kernel: the values of correlating with each kernel in separable `correlate1d`
    passes, which the tests check. Only where `correlate3x3_applies`.
    """
    if keras.backend.backend() == "torch":
        return torch_correlate3x3(x, kernels, mode, layout.data_format)
    return tf_depthwise_correlate2d(x, kernels, mode)


# scipy.ndimage's modes as `torch.nn.functional.pad` modes, for a border of one sample: there
# scipy's "reflect" (the edge sample repeated in the mirror) is torch's "replicate".
_TORCH_PAD_ONE = {"reflect": "replicate", "nearest": "replicate", "mirror": "reflect", "constant": "constant"}


def torch_correlate3x3(x, kernels, mode: str, data_format: str):
    """torch fast path of `correlate3x3`: one `F.pad` and one grouped `conv2d` on an NCHW view.

    A channels_last tensor is permuted without a copy. `benchmarks.bench_edges --sizes 1024` on a
    2-core CPU (4x1024x1024x3, forward+backward): Sobel loss 514 ms, Laplacian loss 329 ms, where
    the portable shifted slices had taken 973 and 567 ms in an earlier run of the same command.
    """
    import torch
    import torch.nn.functional as F

    x = torch.as_tensor(x)
    last = data_format == "channels_last"
    lead = tuple(x.shape[:-3])
    count = math.prod(lead)  # explicit: reshape cannot infer -1 for an empty batch
    images = x.reshape(count, *x.shape[-3:])
    nchw = images.permute(0, 3, 1, 2) if last else images
    if mode != "valid" and _TORCH_PAD_ONE[mode] == "replicate" and torch.compiler.is_compiling():
        # Under torch.compile (torch 2.13 on the CPU), inductor's replication_pad2d_backward
        # asserts NCHW-contiguous strides on the gradient, which the convolution's backward
        # gives channels_last, and the compiled train step fails in either data format
        # (tests/torch_compile/test_compiled_training.py): the edge rows and columns are
        # concatenated instead.
        nchw = torch.cat([nchw[:, :, :1], nchw, nchw[:, :, -1:]], dim=2)
        nchw = torch.cat([nchw[..., :1], nchw, nchw[..., -1:]], dim=3)
    elif mode != "valid":
        nchw = F.pad(nchw, (1, 1, 1, 1), mode=_TORCH_PAD_ONE[mode])
    channels, outputs = nchw.shape[1], len(kernels)
    # float32 like the other paths' kernels: the tuples' float64 values rounded once
    weight = torch.tensor(kernels, dtype=torch.float32, device=x.device).to(x.dtype)
    weight = weight.reshape(outputs, 1, 3, 3).repeat(channels, 1, 1, 1)  # output c*K + k: kernel k
    out = F.conv2d(nchw, weight, groups=channels)
    out = out.reshape(count, channels, outputs, *out.shape[-2:])
    out = out.permute(0, 3, 4, 1, 2) if last else out.permute(0, 1, 3, 4, 2)
    return out.reshape(*lead, *out.shape[1:])


def tf_depthwise_correlate2d(x, kernels, mode: str):
    """TensorFlow fast path of `correlate3x3`: all `kernels` in one depthwise convolution.

    `x` is channels_last with 2 spatial axes after one or two sample axes; returns `x`'s shape
    (spatial sides shrunk by 2 with "valid") plus a last axis of one output per kernel. Same
    values as correlating with each kernel through `correlate1d` passes, which the tests check.
    """
    import tensorflow as tf

    x = tf.convert_to_tensor(x)
    lead = tf.shape(x)[:-3]
    channels = x.shape[-1]
    # An explicit sample count: reshape cannot infer -1 when the batch is empty.
    images = tf.reshape(x, tf.concat([[tf.reduce_prod(lead)], tf.shape(x)[-3:]], axis=0))
    images = _tf_pad_one(_tf_pad_one(images, 1, mode), 2, mode)
    stacked = np.stack([np.asarray(k, np.float64) for k in kernels], axis=-1)  # (3, 3, K)
    weights = np.broadcast_to(stacked[:, :, None, :], (3, 3, channels, len(kernels)))
    out = tf.nn.depthwise_conv2d(
        images, tf.constant(weights, dtype=images.dtype), strides=[1, 1, 1, 1], padding="VALID"
    )
    # The output sides come from the input: TensorFlow mis-sizes the output of an empty batch.
    sides = tf.shape(x)[-3:-1] - (2 if mode == "valid" else 0)
    out_shape = tf.concat([lead, sides, [channels, len(kernels)]], axis=0)
    static = list(x.shape) + [len(kernels)]
    if mode == "valid":
        static[-4:-2] = [None if s is None else s - 2 for s in static[-4:-2]]
    return tf.ensure_shape(tf.reshape(out, out_shape), static)
