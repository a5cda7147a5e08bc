"""Descending argsort along the last axis (the Lovasz losses' one sort), with a JAX fast path.

`argsort_descending(x)` is `keras.ops.argsort(-x, axis=-1)` on every backend but JAX, where XLA's
CPU sort is several times slower for what an argsort needs (an index operand carried beside the
keys) and for float keys than for a single unsigned-integer operand: `KERAS_BACKEND=jax python -m
benchmarks.jax_sort` times them (figures in benchmarks/README.md, "The Lovasz sort on JAX").

The JAX path is therefore a least-significant-digit radix argsort made of uint32 sorts: the
float's bits become an unsigned key in the same order, and each pass sorts
`digit << b | position` (b bits hold a position along the row), so one pass orders by a digit
and, among equal digits, by the order of the previous pass. Two passes for rows of up to 2**16
elements (three up to 2**21, four up to 2**24). The result is the stable descending order: equal
values keep their index order, which is what `jax.numpy.argsort` (stable) gives `-x`, so the
fast path returns the same permutation as the portable one (tested on ties, signed zeros aside:
the bit keys put -0.0 after +0.0, a tie to the comparison; and NaNs first instead of last).
"""

from __future__ import annotations

import keras
from keras import ops

# Each radix pass sorts at least this many bits of the key: rows whose positions need more than
# 32 - MIN_DIGIT_BITS bits (longer than 2**24) take the portable argsort.
MIN_DIGIT_BITS = 8


def argsort_descending(x):
    """Indices that sort float32 `x` in decreasing order along its last axis (stable)."""
    if keras.backend.backend() == "jax" and _position_bits(x.shape[-1]) <= 32 - MIN_DIGIT_BITS:
        return jax_radix_argsort_descending(x)
    return portable_argsort_descending(x)


def portable_argsort_descending(x):
    return ops.argsort(-x, axis=-1)


def _position_bits(length: int) -> int:
    return max(1, (int(length) - 1).bit_length())


def jax_radix_argsort_descending(x):
    """JAX fast path of `argsort_descending`: LSD radix passes of single-operand uint32 sorts.

    The order-preserving key of an IEEE float32 is its bit pattern with the sign bit set for
    positive values and every bit flipped for negative ones; flipping the key's bits reverses
    the order. With `b` position bits, each pass takes `32 - b` bits of the key, lowest first.
    """
    import jax.numpy as jnp
    from jax import lax

    x = jnp.asarray(x, jnp.float32)
    bits = _position_bits(x.shape[-1])
    digit = 32 - bits
    u = lax.bitcast_convert_type(x, jnp.uint32)
    ascending = jnp.where((u >> 31) == 1, ~u, u | jnp.uint32(0x80000000))
    key = ~ascending
    position = lax.broadcasted_iota(jnp.uint32, x.shape, x.ndim - 1)
    low = jnp.uint32((1 << bits) - 1)
    order = None
    for shift in range(0, 32, digit):  # passes over the key's digits, not over the tensor
        current = key if order is None else jnp.take_along_axis(key, order, axis=-1)
        mask = jnp.uint32((1 << min(digit, 32 - shift)) - 1)
        packed = jnp.sort((((current >> shift) & mask) << bits) | position, axis=-1)
        step = (packed & low).astype(jnp.int32)
        order = step if order is None else jnp.take_along_axis(order, step, axis=-1)
    return order
