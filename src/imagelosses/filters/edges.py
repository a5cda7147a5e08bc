"""Edge filters: Sobel derivatives, gradient magnitude and the Laplacian, 2D and 3D.

Every function filters each image and each channel on its own (channels never mix), along the
spatial axes that `data_format` and `spatial_dims` name (see the layout table of `imagelosses`), with
scipy.ndimage's boundary `mode` ("reflect", "mirror", "nearest", "constant") or "valid" (no
padding: each spatial side shrinks by 2). Inputs of any real dtype are computed in float32.

The portable implementation (`portable_sobel`, `portable_laplacian`) runs on every backend. 2D
inputs on torch, and channels_last ones on TensorFlow, take one convolution with the full 3x3
kernels instead (`_conv.correlate3x3`: forward+backward about 2x cheaper than the shifted
slices on both, see its docstring); the tests check both give the same values.
"""

from __future__ import annotations

from keras import ops

from imagelosses import _checks
from imagelosses._shapes import resolve_layout, to_float
from imagelosses._types import Tensor
from imagelosses.filters import _conv
from imagelosses.filters.kernels import (
    BOX_3,
    LAPLACE_1D,
    SOBEL_DERIVATIVE,
    SOBEL_SMOOTHING,
    full_kernel,
    laplacian_kernel,
)

# Added under the square root of the gradient magnitude: the derivative of sqrt is infinite at 0,
# and flat regions (zero gradient) are common, so without it backprop gives 0 * inf = NaN there.
# It shifts a zero magnitude to sqrt(1e-12) = 1e-6.
MAGNITUDE_EPSILON = 1e-12

# The portable filters' taps as Python floats, built at import: constants to every tracer (under
# torch.compile a numpy array is traced as a tensor; see `imagelosses.filters._conv`).
_DERIVATIVE, _SMOOTHING, _LAPLACE, _BOX = map(
    _conv.static_taps, (SOBEL_DERIVATIVE, SOBEL_SMOOTHING, LAPLACE_1D, BOX_3)
)
# The full 3x3 kernels of the convolution path, likewise: Sobel [d/dH, d/dW], and the Laplacian
# by `diagonals`.
_SOBEL_2D = _conv.static_kernels(
    [full_kernel([SOBEL_DERIVATIVE, SOBEL_SMOOTHING]), full_kernel([SOBEL_SMOOTHING, SOBEL_DERIVATIVE])]
)
_LAPLACIAN_2D = {d: _conv.static_kernels([laplacian_kernel(2, d)]) for d in (False, True)}


def _prepare(images, mode, data_format, spatial_dims):
    _conv.check_mode(mode)
    x = to_float(images, "images")
    layout = resolve_layout(x.shape, data_format=data_format, spatial_dims=spatial_dims)
    _conv.check_size(x, layout.spatial_axes, 1, mode, layout=layout)
    return x, layout


def sobel(
    images: Tensor, *, mode: str = "reflect", data_format: str | None = None, spatial_dims: int | None = None
) -> Tensor:
    """Sobel derivatives along every spatial axis.

    Component `a` correlates with the derivative taps `[-1, 0, 1]` along spatial axis `a` and the
    smoothing taps `[1, 2, 1]` along every other spatial axis, exactly
    `scipy.ndimage.sobel(image[..., c], axis=a, mode=mode)` for each image and channel.

    Args:
        images: `(B, H, W, C)`, `(B, D, H, W, C)` or a sequence `(B, T, H, W, C)`
            (channels_first likewise).
        mode: boundary handling, one of "reflect", "mirror", "nearest", "constant", "valid".
        data_format: "channels_last" or "channels_first"; default `keras.config.image_data_format()`.
        spatial_dims: 2 or 3; default from the rank (4 -> 2, 5 -> 3).

    Returns:
        float32 tensor of the input's shape plus a last axis of one component per spatial axis,
        in axis order: 2D `[d/dH, d/dW]` (the layout of `keras.ops.image.sobel_edges`), 3D
        `[d/dD, d/dH, d/dW]`. With mode="valid" each spatial size shrinks by 2.

    Raises:
        ValueError: unknown `mode`/`data_format`/`spatial_dims`, wrong rank, or spatial sizes too
            small for `mode`.

    Example:
        >>> edges = sobel(np.zeros((2, 32, 32, 3)))  # (2, 32, 32, 3, 2)
    """
    x, layout = _prepare(images, mode, data_format, spatial_dims)
    if _conv.correlate3x3_applies(x, layout):
        return _conv.correlate3x3(x, _SOBEL_2D, mode, layout)
    return portable_sobel(x, layout, mode)


def portable_sobel(x, layout, mode):
    """The `keras.ops` Sobel every backend can run: separable passes of shifted slices."""
    axes = layout.spatial_axes
    components = []
    for axis in axes:
        taps = {a: _SMOOTHING for a in axes if a != axis}
        taps[axis] = _DERIVATIVE
        components.append(_conv.separable_correlate(x, taps, mode))
    return ops.stack(components, axis=-1)


def gradient_magnitude(
    images: Tensor, *, mode: str = "reflect", data_format: str | None = None, spatial_dims: int | None = None
) -> Tensor:
    """`sqrt(sum_a sobel_a**2 + MAGNITUDE_EPSILON)`: the Sobel gradient norm, input-shaped.

    Takes the arguments of `sobel`; returns a float32 tensor of the input's shape (shrunk by 2
    per spatial side with mode="valid"). `MAGNITUDE_EPSILON` (1e-12) keeps the gradient finite
    on flat regions.
    """
    components = sobel(images, mode=mode, data_format=data_format, spatial_dims=spatial_dims)
    return ops.sqrt(ops.sum(ops.square(components), axis=-1) + MAGNITUDE_EPSILON)


def laplacian(
    images: Tensor,
    *,
    diagonals: bool = False,
    mode: str = "reflect",
    data_format: str | None = None,
    spatial_dims: int | None = None,
) -> Tensor:
    """Discrete Laplacian of each image and channel.

    `diagonals=False`: the cross stencil, `sum_a correlate1d(x, [1, -2, 1], axis=a)`, exactly
    `scipy.ndimage.laplace(image, mode=mode)`; in 2D with mode="mirror" it equals
    `cv2.Laplacian(image, cv2.CV_64F, ksize=1)`.
    `diagonals=True`: every one of the 3**d - 1 neighbours weighs 1 and the centre 1 - 3**d
    (2D -8, 3D -26): the kernel of the usual fixed-Laplacian-layer recipe, computed as a
    separable box sum minus 3**d times the centre.

    Args and Raises: as `sobel`, plus `diagonals` (bool).

    Returns:
        float32 tensor of the input's shape (shrunk by 2 per spatial side with mode="valid").
    """
    diagonals = _checks.boolean("diagonals", diagonals)
    x, layout = _prepare(images, mode, data_format, spatial_dims)
    if _conv.correlate3x3_applies(x, layout):
        return _conv.correlate3x3(x, _LAPLACIAN_2D[diagonals], mode, layout)[..., 0]
    return portable_laplacian(x, layout, mode, diagonals)


def portable_laplacian(x, layout, mode, diagonals):
    """The `keras.ops` Laplacian every backend can run: separable passes of shifted slices."""
    axes = layout.spatial_axes
    centre = _conv.crop(x, axes, 1) if mode == "valid" else x
    if diagonals:
        box = _conv.separable_correlate(x, {a: _BOX for a in axes}, mode)
        return box - float(3 ** len(axes)) * centre
    total = None
    for axis in axes:
        term = _conv.correlate1d(x, _LAPLACE, axis, mode)
        if mode == "valid":
            term = _conv.crop(term, [a for a in axes if a != axis], 1)
        total = term if total is None else total + term
    return total
