"""The one type alias of the public signatures.

`Tensor` is whatever `keras.ops` takes as an array: a tensor of the active backend
(`tf.Tensor`, `jax.Array`, `torch.Tensor`), a numpy array, or a nested list of numbers. Results
are always tensors of the active backend. It is `Any` to a type checker: the library never
narrows it, and the backends' own array types do not share a base class.
"""

from __future__ import annotations

from typing import Any, TypeAlias

Tensor: TypeAlias = Any

__all__ = ["Tensor"]
