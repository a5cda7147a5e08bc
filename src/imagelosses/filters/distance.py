"""Exact Euclidean distance transform and mask boundaries in `keras.ops`, 2D and 3D.

Method: the squared distance is separable (Saito and Toriwaki 1994; Felzenszwalb and Huttenlocher
2012). The first pass gives, along one axis, the squared distance to the nearest zero of each line
(`inf` where the line has none) from a running max/min of indices, `O(N log n)`. Each further pass, one
per remaining spatial axis `a`, replaces each line of `f` by its min-plus product with the
parabola of that axis,

    f_a(i) = min_j  f_{a-1}(j) + (s_a * (i - j))^2,

and the result is `sqrt(f_last)`. This is exact (no chamfer or approximation). A min-plus pass
costs `O(N * n_a)` operations for `N` elements and `n_a` samples along the axis (a dense min-plus
product, which vectorises in `keras.ops`; the lower-envelope algorithm is `O(N)` but sequential).
The first pass takes the longest axis, so a 2D image costs `O(N * min(H, W))` and a volume
`O(N * (n_1 + n_2))`, the two shortest sides. Memory stays bounded: each pass
computes its output `CHUNK_ELEMENTS / N` positions at a time with `keras.ops.map` (sequential
under jit), so its largest temporary holds about `CHUNK_ELEMENTS` float32 per image (64 MiB), never
`N * n_a`. Fast paths, each tested equal to the portable passes bit for bit: on torch outside
`torch.compile`, the min-plus pass (`torch_min_plus_pass`); on jax, the nearest-zero pass through
`lax.cummax`/`lax.cummin`, smaller min-plus blocks for 2D images (`JAX_IMAGE_CHUNK_ELEMENTS`)
and at least two blocks per pass (`JAX_MIN_BLOCKS`).

Everything here is a function of a mask: inputs pass through `stop_gradient`, outputs carry no
gradient, and nothing reads a tensor value, so the functions run under `jit` with a `None` batch.
The spatial and channel sizes must be static.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

from imagelosses import _checks
from imagelosses._reduce import min_over
from imagelosses._shapes import resolve_layout, to_float
from imagelosses._types import Tensor

# Largest temporary of a min-plus pass, in float32 elements per image (2**24: 64 MiB).
CHUNK_ELEMENTS = 2**24
# tensorflow takes its min-plus blocks this size in all images together (2 MiB), which stays in
# cache; as a graph and under XLA it was faster with these blocks than with the 64 MiB blocks per
# image that jax keeps (jax was faster with them only at 256 px; why was not looked into). On the
# 2-core CPU of benchmarks/README.md (a /tmp script, medians of 3-9 calls), 4 masks of 256x256,
# 512x512 and 2 volumes of 96x160x160 took, with blocks of up to 64 MiB per image and with these:
# tensorflow graph 57 and 43, 437 and 235, 1101 and 623 ms; tensorflow XLA 76 and 44, 266 and
# 236, 932 and 710 ms; jax 36 and 19, 129 and 144, 536 and 603 ms. With a batch of unknown size
# (tensorflow's traced `fit`) a block holds this many per image.
BLOCK_ELEMENTS = 2**19
# Eager torch's min-plus blocks (`torch_min_plus_pass`): float32 elements of the one buffer
# that every block's sum is written into (4 MiB).
TORCH_BLOCK_ELEMENTS = 2**20


# jax's min-plus blocks for 2D images, in elements per image (2**20: 4 MiB). Jitted, interleaved
# calls on the 2-core CPU of benchmarks/README.md (medians of 15; a /tmp script), with blocks of
# 2**20, 2**22 and 2**24 per image: 4 masks of 128x128 1.6, 4.3 and 4.6 ms; of 256x256 7.1, 8.7
# and 23.9 ms; of 512x512 46.9, 57.9 and 70.6 ms. Volumes keep CHUNK_ELEMENTS: 2 of 96x160x160
# took 286.7, 261.4 and 188.5 ms (medians of 7). Why smaller blocks are faster for images and
# slower for volumes was not looked into. A block keeps at least 4 positions: with 4 channels
# (HD95's distances of 2 classes) at 512x512, blocks of 1, 4 and 16 positions took 400.5, 361.3 and
# 325.7 ms (medians of 5): 1 (2**20 per image there) was the slowest, and this rule's 4 is 11%
# slower than 16, the block of 2**24 per image. The rule was not tuned further.
JAX_IMAGE_CHUNK_ELEMENTS = 2**20
JAX_IMAGE_CHUNK_POSITIONS = 4
# jax's min-plus pass takes at least this many blocks: XLA ran the pass as one block several
# times slower than in two or more through `ops.map` (why was not looked into). Jitted,
# interleaved, medians of 9 (a /tmp script): 2 volumes of 64^3 took 66.8 ms in one block and
# 17.9 ms in two (15.1 ms in four); 4 masks of 128x128, 4.3-4.6 ms in one and 1.6 ms in two.
JAX_MIN_BLOCKS = 2
# jax's running max/min of the nearest-zero pass: `lax.cummax`/`lax.cummin` (JAX_CUMULATIVE) or the
# portable shifted steps of `_running`.
JAX_CUMULATIVE = True


def _block_positions(n: int, per_image: int, lines: int, spatial_dims: int) -> int:
    """Output positions per block of the portable min-plus pass along an axis of `n` samples, for
    `lines` lines of `per_image` elements per image: the one place of every backend's rule.

    At most CHUNK_ELEMENTS per image; on jax, images take JAX_IMAGE_CHUNK_ELEMENTS (at least
    JAX_IMAGE_CHUNK_POSITIONS positions) and every pass at least JAX_MIN_BLOCKS blocks; on
    tensorflow a block holds at most BLOCK_ELEMENTS in all images together.
    """
    backend = keras.backend.backend()
    budget, minimum = CHUNK_ELEMENTS, 1
    if backend == "jax" and spatial_dims == 2:
        budget, minimum = min(budget, JAX_IMAGE_CHUNK_ELEMENTS), min(JAX_IMAGE_CHUNK_POSITIONS, n)
    chunk = max(minimum, min(n, budget // max(per_image, 1)))
    if backend == "jax":
        chunk = min(chunk, -(-n // JAX_MIN_BLOCKS))
    if backend == "tensorflow":
        chunk = max(1, min(chunk, BLOCK_ELEMENTS // max(lines * n, 1)))
    return chunk


def torch_eager() -> bool:
    """Whether the torch fast paths apply: torch, outside `torch.compile` (where the portable
    passes are traced, as on the other backends)."""
    if keras.backend.backend() != "torch":
        return False
    import torch

    return not torch.compiler.is_compiling()


def check_spacing(spacing, spatial_dims: int) -> tuple[float, ...]:
    """`None` (1 on every axis), one positive number, or one per spatial axis -> a tuple."""
    message = (
        "Invalid value for argument `spacing`. Expected None, a positive number or "
        f"{spatial_dims} positive numbers (one per spatial axis). Received: spacing={spacing!r}"
    )
    if spacing is None:
        return (1.0,) * spatial_dims
    values = (
        list(spacing)
        if isinstance(spacing, (list, tuple)) or hasattr(spacing, "__len__")
        else [spacing] * spatial_dims
    )
    if isinstance(spacing, (str, bytes)):
        raise TypeError(message)
    if len(values) != spatial_dims:
        raise ValueError(message)
    out = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(message)
        if not (math.isfinite(float(value)) and value > 0):
            raise ValueError(message)
        out.append(float(value))
    return tuple(out)


def spacing_option(name: str, value):
    """Validator of `spacing` before the rank is known: None, a positive number or a sequence of them.

    The length is checked against the spatial axes when the function runs (`check_spacing`).
    """
    if value is None:
        return None
    if isinstance(value, (list, tuple, np.ndarray)):
        return list(_checks.reals(name, value, minimum=0.0, exclusive_minimum=True))
    return _checks.real(name, value, minimum=0.0, exclusive_minimum=True)


_checks.SHARED_DOCS.setdefault(
    "spacing",
    "None (1), one positive number, or one per spatial axis (`(D,) H, W` order, scipy's "
    "`sampling`): the size of an element, the unit of every distance.",
)


def _static_sizes(x, axes, name):
    sizes = [x.shape[a] for a in axes]
    if any(size is None for size in sizes):
        raise ValueError(
            f"`{name}` needs static spatial and channel sizes (only the batch may be None). "
            f"Received: {name}.shape={tuple(x.shape)}"
        )
    return sizes


def _min_plus_pass(f, axis: int, step: float, per_image: int, spatial_dims: int):
    """`out[..., i, ...] = min_j f[..., j, ...] + (step * (i - j))^2` along `axis`, in blocks of
    `_block_positions` positions."""
    n = f.shape[axis]
    if n == 1:
        return f
    moved = ops.moveaxis(f, axis, -1)
    lead = [-1 if size is None else size for size in moved.shape[:-1]]  # only the batch is None
    if torch_eager():
        out = torch_min_plus_pass(ops.reshape(moved, (-1, n)), step * step)
        return ops.moveaxis(ops.reshape(out, (*lead, n)), -1, axis)
    flat = ops.reshape(moved, (-1, 1, n))  # (M, 1, n)
    # with a batch of unknown size (tensorflow's traced `fit`), the lines of one image
    lines = flat.shape[0] if flat.shape[0] is not None else math.prod(moved.shape[1:-1])
    chunk = _block_positions(n, per_image, int(lines), spatial_dims)
    count = -(-n // chunk)
    j = ops.arange(n, dtype="float32")
    scale = step * step

    def block(start):
        i = ops.cast(start, "float32") + ops.arange(chunk, dtype="float32")
        weights = scale * ops.square(ops.expand_dims(i, 1) - j)  # (chunk, n)
        return min_over(flat + weights, axis=-1)  # (M, chunk)

    if count == 1:
        out = block(0)
    else:
        starts = ops.arange(0, count * chunk, chunk, dtype="int32")
        out = ops.map(block, starts)  # (count, M, chunk), one block at a time
        out = ops.reshape(ops.transpose(out, (1, 0, 2)), (-1, count * chunk))[:, :n]
    return ops.moveaxis(ops.reshape(out, (*lead, n)), -1, axis)


def torch_min_plus_pass(lines, scale: float):
    """torch fast path of `_min_plus_pass` (eager): `out[m, i] = min_j lines[m, j] + scale * (i - j)^2`.

    The same sums and minima as the portable pass, in blocks of whole lines (of positions too
    where a line's `n * n` exceeds TORCH_BLOCK_ELEMENTS), each sum written into one buffer
    allocated once per pass (`out=`) instead of a new tensor per block. With a new tensor per
    block the times spread widely between runs: on the 2-core CPU of benchmarks/README.md, 8192
    lines of 512 (HD95's EDT at 4x512x512 with 2 classes) took 0.39 s in one process and 5.0 s in
    another, and 191-230 ms with the buffer (`/tmp` scripts, medians of 5 calls). Why the new
    tensors cost this much was not looked into.
    The loop runs over blocks, as `ops.map` runs on torch.
    """
    import torch

    count, n = lines.shape
    positions = max(1, min(n, TORCH_BLOCK_ELEMENTS // n))
    rows = max(1, TORCH_BLOCK_ELEMENTS // (positions * n))
    out = torch.empty_like(lines)
    buffer = torch.empty((min(rows, count), positions, n), dtype=lines.dtype, device=lines.device)
    j = torch.arange(n, dtype=lines.dtype, device=lines.device)
    for start in range(0, n, positions):
        i = j[start : start + positions]
        weights = scale * torch.square(i[:, None] - j)  # (positions, n), as the portable pass
        for first in range(0, count, rows):
            block = lines[first : first + rows, None, :]
            total = buffer[: block.shape[0], : i.shape[0]]
            torch.add(block, weights, out=total)
            torch.amin(total, dim=-1, out=out[first : first + rows, start : start + positions])
    return out


def _running(op, x, axis: int, fill: float, reverse: bool):
    """Running max/min along `axis` (a log-step Hillis-Steele scan of shifted slices).

    `ceil(log2 n)` steps of one shift and one `op` each: static slices only, so it compiles under
    XLA on every backend (TensorFlow's `associative_scan` does not).
    """
    n = x.shape[axis]
    shift = 1
    while shift < n:
        pad = [(0, 0)] * len(x.shape)
        pad[axis] = (0, shift) if reverse else (shift, 0)
        index = [slice(None)] * len(x.shape)
        index[axis] = slice(shift, shift + n) if reverse else slice(0, n)
        x = op(x, ops.pad(x, pad, constant_values=fill)[tuple(index)])
        shift *= 2
    return x


def _nearest_zero_pass(zero, axis: int, step: float):
    """Squared distance along `axis` to the nearest element where `zero > 0`: O(N log n)."""
    n = zero.shape[axis]
    shape = [1] * len(zero.shape)
    shape[axis] = n
    index = ops.reshape(ops.arange(n, dtype="float32"), shape)
    inf = float("inf")
    before, after = ops.where(zero > 0, index, -inf), ops.where(zero > 0, index, inf)
    if keras.backend.backend() == "jax" and JAX_CUMULATIVE:
        import jax

        last = jax.lax.cummax(before, axis=axis)
        following = jax.lax.cummin(after, axis=axis, reverse=True)
    else:
        last = _running(ops.maximum, before, axis, -inf, reverse=False)
        following = _running(ops.minimum, after, axis, inf, reverse=True)
    return ops.square(step * ops.minimum(index - last, following - index))  # inf: no zero


def squared_distance_axes(zero, axes, spacing, per_image: int):
    """Squared distance to the nearest element where `zero > 0` (float32 0/1), over `axes`.

    The first pass (on the longest axis, where a min-plus pass would cost most) is the 1-D
    distance to the nearest zero of each line, from a running max/min of indices;
    the other axes take one min-plus pass each.
    """
    sizes = [zero.shape[a] for a in axes]
    first = sizes.index(max(sizes))
    f = _nearest_zero_pass(zero, axes[first], spacing[first])
    for position, (axis, step) in enumerate(zip(axes, spacing)):
        if position != first:
            f = _min_plus_pass(f, axis, step, per_image, len(axes))
    return f


@_checks.options(spacing=spacing_option, **_checks.LAYOUT)
def distance_transform(
    x: Tensor,
    *,
    spacing: float | Sequence[float] | None = None,
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Exact Euclidean distance from each element where `x != 0` to the nearest `x == 0`.

    Per image and channel, `out[p] = min_{q : x[q] == 0} |(p - q) * spacing|` (0 where
    `x == 0`), computed exactly by one min-plus pass of the squared distance per spatial axis
    (see the module docstring for the method, its cost and memory).

    A channel with no zero (all foreground) has no nearest background: its distances are
    `+inf` everywhere (the distance to an empty set). scipy's `distance_transform_edt` returns an
    artefact there (distances to a point outside the array); callers that need a finite value
    replace the `inf` with `where`.

    Args:
        x: `(B, *spatial, C)` (channels_last) or `(B, C, *spatial)`, any real or bool dtype;
            only `x != 0` matters. Rank 4 (2D), 5 (3D, or a 2D sequence with `spatial_dims=2`).
        spacing: the element size along each spatial axis (`(D,) H, W` order, scipy's
            `sampling`): None (1), one positive number, or one per spatial axis.

    Returns:
        float32, the shape of `x`; no gradient.

    Equal to `scipy.ndimage.distance_transform_edt(x, sampling=spacing)` per image and channel
    whenever the channel has a zero (tested to float32 rounding).

    Example:
        >>> import numpy as np
        >>> x = np.ones((1, 1, 5, 1), "float32"); x[0, 0, 0, 0] = 0
        >>> np.asarray(distance_transform(x)).ravel().tolist()
        [0.0, 1.0, 2.0, 3.0, 4.0]
    """
    x = ops.stop_gradient(to_float(x, "x"))
    layout = resolve_layout(x.shape, data_format=data_format, spatial_dims=spatial_dims, name="x")
    spacing = check_spacing(spacing, layout.spatial_dims)
    sizes = _static_sizes(x, tuple(range(layout.num_sample_axes, layout.rank)), "x")
    if any(size == 0 for size in (*sizes, *x.shape[: layout.num_sample_axes])):
        return ops.zeros_like(x)  # an empty batch (a static 0): nothing to measure
    per_image = math.prod(sizes)
    zero = ops.cast(ops.equal(x, 0.0), "float32")
    squared = squared_distance_axes(zero, layout.spatial_axes, spacing, per_image)
    return ops.stop_gradient(ops.sqrt(squared))


def boundary_mask(mask, layout):
    """The inner boundary of a 0/1 float32 mask: `mask` and not its binary erosion.

    An element belongs to the boundary when it is nonzero and one of its `2 * spatial_dims` face
    neighbours is zero or outside the image (scipy's `binary_erosion` with its default cross and
    `border_value=0`, the surface MONAI's surface metrics use). `layout` is the mask's.
    """
    mask = ops.stop_gradient(mask)
    pad = [(0, 0)] * layout.rank
    for axis in layout.spatial_axes:
        pad[axis] = (1, 1)
    padded = ops.pad(mask, pad)
    eroded = mask
    for axis in layout.spatial_axes:
        n = mask.shape[axis]
        for start in (0, 2):
            index = [slice(None)] * layout.rank
            for other in layout.spatial_axes:
                index[other] = slice(1, 1 + mask.shape[other])
            index[axis] = slice(start, start + n)
            eroded = eroded * padded[tuple(index)]
    return mask * (1.0 - eroded)
