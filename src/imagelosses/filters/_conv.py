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
"""

from __future__ import annotations

import numpy as np
from keras import ops

from imagelosses._shapes import check_choice

MODES = ("reflect", "mirror", "nearest", "constant", "valid")


def check_mode(mode: str) -> None:
    check_choice("mode", mode, MODES)


def _take(x, axis: int, start, stop):
    index = [slice(None)] * len(x.shape)
    index[axis] = slice(start, stop)
    return x[tuple(index)]


def _min_size(mode: str, radius: int) -> int:
    return {"reflect": radius, "mirror": radius + 1, "nearest": 1, "constant": 1}.get(
        mode, 2 * radius + 1
    )


def check_size(x, axes, radius: int, mode: str, name: str = "images") -> None:
    """Static check that every filtered axis is long enough for `mode` at this filter radius."""
    need = _min_size(mode, radius)
    for axis in axes:
        size = x.shape[axis]
        if size is not None and size < need:
            raise ValueError(
                f"`{name}` is too small along axis {axis} for mode={mode!r} with a filter of "
                f"{2 * radius + 1} taps: expected at least {need} samples. "
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
    """`scipy.ndimage.correlate1d(x, taps, axis, mode=mode)` (cval 0), odd `taps`, any backend."""
    taps = np.asarray(taps, dtype=np.float64)
    radius = len(taps) // 2
    padded = pad_axis(x, axis, radius, mode)
    total = None
    for k, weight in enumerate(taps):
        if weight == 0.0:
            continue
        stop = k - 2 * radius
        term = _take(padded, axis, k, stop if stop != 0 else None)
        if weight == -1.0:
            term = -term
        elif weight != 1.0:
            term = term * float(weight)
        total = term if total is None else total + term
    return total


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
