"""Layouts: the only module that knows where batch, sequence, spatial and channel axes sit.

Every public function takes `data_format` and `spatial_dims` and resolves them here:

| input rank | `spatial_dims` | channels_last        | channels_first       | per-sample result |
|------------|----------------|----------------------|----------------------|-------------------|
| 4          | 2 (default)    | `(B, H, W, C)`       | `(B, C, H, W)`       | `(B,)`            |
| 5          | 3 (default)    | `(B, D, H, W, C)`    | `(B, C, D, H, W)`    | `(B,)`            |
| 5          | 2              | `(B, T, H, W, C)`    | `(B, T, C, H, W)`    | `(B, T)`          |

A rank-5 input with `spatial_dims=2` is a sequence of images (video, ConvLSTM outputs, whose
channels-first layout is `(B, T, C, H, W)`): the time axis is a second sample axis and results
come back per frame. Nothing here reads a tensor value or the batch size, so every function works
with a `None` batch size and under `jit_compile=True`.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
from keras import ops

from imagelosses import _checks
from imagelosses._reduce import max_over, mean_over, sum_over

DATA_FORMATS = ("channels_last", "channels_first")
SPATIAL_DIMS = (2, 3)
COMPUTE_DTYPE = "float32"


def check_choice(name: str, value, choices) -> None:
    """Raises the library's one error for an option outside its allowed values (`_checks.choice`)."""
    _checks.choice(name, value, choices)


def check_number(name: str, value, *, minimum=None, exclusive=False) -> float:
    """A finite real number (numpy scalars pass; bool and NaN do not) at or above `minimum`."""
    return _checks.real(name, value, minimum=minimum, exclusive_minimum=exclusive)


def resolve_data_format(data_format: str | None) -> str:
    """`None` means `keras.config.image_data_format()`."""
    if data_format is None:
        return keras.config.image_data_format()
    check_choice("data_format", data_format, DATA_FORMATS)
    return data_format


@dataclass(frozen=True)
class Layout:
    """Where the axes of one input sit. Built by `resolve_layout`, never by hand."""

    rank: int
    spatial_dims: int
    data_format: str

    @property
    def is_sequence(self) -> bool:
        return self.rank == self.spatial_dims + 3

    def describe(self) -> str:
        """The layout assumed, and the option that changes it, for shape errors.

        A rank-5 input is read as 3D volumes unless `spatial_dims=2`, so its errors say so: a
        sequence of images (ConvLSTM outputs) would otherwise fail on a size it never meant.
        """
        last = self.data_format == "channels_last"
        if self.is_sequence:
            shape = "(B, T, H, W, C)" if last else "(B, T, C, H, W)"
            return f"read as sequences of 2D images {shape} (spatial_dims=2, {self.data_format})"
        if self.spatial_dims == 3:
            shape = "(B, D, H, W, C)" if last else "(B, C, D, H, W)"
            sequence = "(B, T, H, W, C)" if last else "(B, T, C, H, W)"
            return (
                f"read as 3D volumes {shape} (spatial_dims=3, {self.data_format}); for a "
                f"sequence of 2D images {sequence} pass spatial_dims=2"
            )
        shape = "(B, H, W, C)" if last else "(B, C, H, W)"
        return f"read as 2D images {shape} ({self.data_format})"

    @property
    def num_sample_axes(self) -> int:
        """1 for `(B, ...)`, 2 for sequences `(B, T, ...)`."""
        return 2 if self.is_sequence else 1

    @property
    def channel_axis(self) -> int:
        if self.data_format == "channels_last":
            return self.rank - 1
        return self.num_sample_axes

    @property
    def spatial_axes(self) -> tuple[int, ...]:
        first = self.num_sample_axes + (self.data_format == "channels_first")
        return tuple(range(first, first + self.spatial_dims))

    def channels_first_view(self, x):
        """`x` with its channel axis right after the sample axes: `(B, C, *spatial)`, `(B, T, C, H, W)`.

        The view transforms over the trailing spatial axes need (`keras.ops.fft2` works on the last
        two axes); a channels_first input comes back as it is.
        """
        if self.data_format == "channels_first":
            return x
        return ops.moveaxis(x, self.channel_axis, self.num_sample_axes)

    def per_sample_mean(self, x):
        """Mean over every axis after the sample axes (extra trailing axes included)."""
        return mean_over(x, axis=tuple(range(self.num_sample_axes, len(x.shape))))

    def per_sample_sum(self, x):
        return sum_over(x, axis=tuple(range(self.num_sample_axes, len(x.shape))))

    def per_sample_max(self, x, keepdims=False, initial=None):
        """Max after the sample axes; `initial` is also the value of an empty batch's maxima."""
        axes = tuple(range(self.num_sample_axes, len(x.shape)))
        return max_over(x, axis=axes, keepdims=keepdims, initial=initial)


def _expected_ranks(spatial_dims: int | None) -> tuple[int, ...]:
    return {None: (4, 5), 2: (4, 5), 3: (5,)}[spatial_dims]


def _layout_text(spatial_dims: int | None) -> str:
    return {
        None: "4 (B, H, W, C) or 5 (B, D, H, W, C)",
        2: "4 (B, H, W, C) or 5 for sequences (B, T, H, W, C)",
        3: "5 (B, D, H, W, C)",
    }[spatial_dims]


def resolve_layout(shape, *, data_format=None, spatial_dims=None, name="images") -> Layout:
    """Validates `data_format`, `spatial_dims` and the rank of `shape`; returns the `Layout`."""
    data_format = resolve_data_format(data_format)
    if spatial_dims is not None:
        if isinstance(spatial_dims, bool) or spatial_dims not in SPATIAL_DIMS:
            raise ValueError(
                f"Invalid value for argument `spatial_dims`. Expected one of (2, 3) or None "
                f"(inferred from the rank). Received: spatial_dims={spatial_dims!r}"
            )
    rank = len(shape)
    if rank not in _expected_ranks(spatial_dims):
        raise ValueError(
            f"Invalid rank for `{name}`. Expected rank {_layout_text(spatial_dims)} "
            f"(channels_last shown). Received: {name}.shape={tuple(shape)} (rank {rank})"
        )
    if spatial_dims is None:
        spatial_dims = 2 if rank == 4 else 3
    return Layout(rank=rank, spatial_dims=spatial_dims, data_format=data_format)


def to_float(x, name="images"):
    """Converts to a float32 tensor; integers and booleans are cast, other dtypes refused."""
    x = ops.convert_to_tensor(x)
    dtype = keras.backend.standardize_dtype(x.dtype)
    if dtype == COMPUTE_DTYPE:
        return x
    if not (dtype.startswith(("float", "int", "uint", "bfloat")) or dtype == "bool"):
        raise TypeError(
            f"Invalid dtype for `{name}`. Expected a float, integer or bool tensor. "
            f"Received: {name}.dtype={dtype}"
        )
    return ops.cast(x, COMPUTE_DTYPE)


def check_same_shape(y_true, y_pred) -> None:
    """Static shapes must agree where both are known (`None` matches any size)."""
    st, sp = tuple(y_true.shape), tuple(y_pred.shape)
    if len(st) != len(sp) or any(a is not None and b is not None and a != b for a, b in zip(st, sp)):
        raise ValueError(
            f"`y_true` and `y_pred` must have the same shape. Received: y_true.shape={st}, y_pred.shape={sp}"
        )


def image_pair(y_true, y_pred, *, data_format=None, spatial_dims=None):
    """The common prologue of every image loss: float32 tensors of one shape, and their layout."""
    y_true = to_float(y_true, "y_true")
    y_pred = to_float(y_pred, "y_pred")
    check_same_shape(y_true, y_pred)
    layout = resolve_layout(y_pred.shape, data_format=data_format, spatial_dims=spatial_dims, name="y_pred")
    return y_true, y_pred, layout
