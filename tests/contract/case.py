"""What the contract suite needs to know about one registered loss.

Each family writes its cases in `tests/contract/cases/<family>.py` as a module-level `CASES` list;
every module there is collected, and the suite fails for a registered loss that has no case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


def random_images(rng, shape):
    """A pair of float64 images in [0, 1], `y_pred` a noisy, shifted copy of `y_true`."""
    y_true = rng.random(shape)
    y_pred = np.clip(0.7 * y_true + 0.3 * rng.random(shape), 0.0, 1.0)
    return y_true, y_pred


@dataclass(frozen=True)
class Case:
    """One loss configuration under contract.

    Attributes:
        name: a test id; `loss` is the registry key it covers.
        make: `make(**layout) -> loss object`; `layout` holds `data_format` and `spatial_dims`.
        reference: `reference(y_true, y_pred, spatial_dims) -> (N,)` float64 per-sample values, for
            channels_last numpy arrays `(N, *spatial, C)`.
        data: `data(rng, shape) -> (y_true, y_pred)` channels_last numpy arrays for a `y_pred` of
            `shape = (N, *spatial, channels)`; `y_true` may differ in channels (labels).
        channels: channels of `y_pred` (and of the test model's output).
        head: the test model's last activation: "linear", "sigmoid" or "softmax".
        dims: which of "2d", "3d", "sequence" the loss supports.
        size: spatial side used in the tests (volumes use `size // 2`).
        batch_invariant_bias: True when adding a constant to `y_pred` leaves the loss unchanged
            (edge losses): the test model's last layer then has no bias, whose gradient is 0.
        prediction: what `y_pred` holds, for the fuzz tests' extreme values: "image" (values in
            [0, max_val]), "probabilities" or "logits".
        bounds: the documented range of the per-sample values, checked by the fuzz tests.
        batch_coupled: True when a sample's value depends on the other samples of its batch
            (`per_image=False` statistics); the multi-device tests then document the difference.
        extra: what one test needs of a few cases: "thresholds_prediction" (the mixed-precision
            test checks only finiteness), "volume_atol" (the volumes' absolute tolerance, with
            its reason where the case sets it).
    """

    name: str
    loss: str
    make: Callable
    reference: Callable
    data: Callable = random_images
    channels: int = 1
    head: str = "linear"
    dims: tuple = ("2d", "3d", "sequence")
    size: int = 16
    batch_invariant_bias: bool = False
    prediction: str = "image"
    bounds: tuple = (0.0, float("inf"))
    batch_coupled: bool = False
    extra: dict = field(default_factory=dict)
