"""Deep supervision: one loss applied to every output of a network at decreasing resolutions.

A U-Net with deep supervision (nnU-Net, MONAI's `DeepSupervisionLoss`) returns predictions at
full, half, quarter ... resolution. The label map is resized to each output by nearest neighbour
(output index `i` reads input index `floor(i * n_in / n_out)`, torch's `interpolate(mode=
"nearest")`, so a factor of 2 keeps every second label), and the per-level losses are summed
with weights, by default `0.5 ** level` normalised to sum to 1 (nnU-Net's; MONAI's
`weight_mode="exp"` takes `0.5 ** level` without normalising, which scales the loss by a
constant).

Keras hands a multi-output model's outputs to the loss one at a time, so in `fit`:

    supervision = DeepSupervision(DiceCELoss(from_logits=True))
    model.compile("adam", **supervision.compile_arguments(3))   # loss=[...] * 3, loss_weights
    model.fit(x, [y, y, y])   # the full-resolution labels for every output

Each output's call resizes the labels to that output. Called directly with a list of predictions,
`supervision(y_true, [p0, p1, p2])` returns the weighted sum itself (custom training loops).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence

import keras
import numpy as np
from keras import ops

from imagelosses._registry import register_loss
from imagelosses._shapes import resolve_layout, to_float
from imagelosses.losses.base import Loss, _mean_to_rank, per_sample_values


def level_weights(levels: int) -> list[float]:
    """`0.5 ** level` for `level = 0 .. levels - 1`, normalised to sum to 1."""
    weights = 0.5 ** np.arange(levels)
    return (weights / weights.sum()).tolist()


def nearest_resize(labels, size, axes):
    """`labels` resized to `size` along `axes` by nearest neighbour (torch's "nearest")."""
    for axis, out in zip(axes, size):
        n = labels.shape[axis]
        if n is None or out is None:
            raise ValueError(
                "DeepSupervision needs static spatial sizes to resize the labels. "
                f"Received: labels.shape={tuple(labels.shape)}, output size={tuple(size)}"
            )
        if out > n:
            raise ValueError(
                "Invalid shapes for deep supervision: an output is larger than the labels along "
                f"axis {axis} (labels are only downsampled). Received: labels.shape="
                f"{tuple(labels.shape)}, output spatial shape={tuple(size)}"
            )
        if n != out:
            index = np.minimum(np.floor(np.arange(out) * (n / out)), n - 1).astype("int32")
            labels = ops.take(labels, index, axis=axis)
    return labels


def _check_weights(weights):
    if weights is None:
        return None
    message = (
        "Invalid value for argument `weights`. Expected None or a non-empty list of "
        f"non-negative numbers, one per output. Received: weights={weights!r}"
    )
    if isinstance(weights, (str, bytes, dict)) or not hasattr(weights, "__len__") or not weights:
        raise TypeError(message)
    for w in weights:
        if isinstance(w, (bool, np.bool_)) or not isinstance(w, numbers.Real):
            raise TypeError(message)
        if not np.isfinite(w) or w < 0:
            raise ValueError(message)
    return [float(w) for w in weights]


@register_loss
class DeepSupervision(Loss):
    """Wraps a loss for a network with outputs at decreasing resolutions (deep supervision).

    Args:
        loss: the wrapped loss object (any imagelosses segmentation loss, or a Keras loss).
        weights: None (`0.5 ** level` normalised, nnU-Net's) or one non-negative number per
            output, full resolution first.

    `call(y_true, y_pred)`: `y_pred` a list of predictions gives the weighted sum of the
    per-level values, `(B,)`; a single prediction gives the wrapped loss on labels resized to
    it (the per-output use in `fit`, weighted by `compile(loss_weights=...)`). Labels are
    resized by nearest neighbour along the spatial axes of the wrapped loss's layout
    (`data_format`, `spatial_dims`, or Keras's defaults). Serialises the wrapped loss.
    """

    def __init__(
        self,
        loss: Callable,
        weights: Sequence[float] | None = None,
        name: str | None = "deep_supervision",
        reduction: str | None = "sum_over_batch_size",
        dtype: str | None = None,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if isinstance(loss, (str, dict)):
            loss = keras.losses.get(loss)
        if not callable(loss):
            raise TypeError(
                f"Invalid value for argument `loss`. Expected a Keras loss object. Received: loss={loss!r}"
            )
        self.loss = loss
        self.weights = _check_weights(weights)

    def output_weights(self, num_outputs: int) -> list[float]:
        """The weight of each output, for `compile(loss_weights=...)`."""
        if self.weights is None:
            return level_weights(num_outputs)
        if len(self.weights) != num_outputs:
            raise ValueError(
                f"`weights` has {len(self.weights)} entries for {num_outputs} outputs. "
                f"Received: weights={self.weights}"
            )
        return list(self.weights)

    def compile_arguments(self, num_outputs: int) -> dict:
        """`loss` (this loss for each output) and `loss_weights`, for `model.compile(**...)`."""
        return {"loss": [self] * num_outputs, "loss_weights": self.output_weights(num_outputs)}

    def _resized(self, y_true, y_pred):
        options = getattr(self.loss, "options", {})
        layout = resolve_layout(
            y_pred.shape,
            data_format=options.get("data_format"),
            spatial_dims=options.get("spatial_dims"),
            name="y_pred",
        )
        axes = layout.spatial_axes
        size = [y_pred.shape[a] for a in axes]
        if len(y_true.shape) == layout.rank - 1 and layout.data_format == "channels_first":
            axes = tuple(a - 1 for a in axes)  # an integer map without its channel axis
        return nearest_resize(y_true, size, axes)

    def _level(self, y_true, y_pred):
        return per_sample_values(self.loss, self._resized(y_true, y_pred), y_pred)

    def call(self, y_true, y_pred):
        y_true = to_float(y_true, "y_true")
        if not isinstance(y_pred, (list, tuple)):
            return self._level(y_true, to_float(y_pred, "y_pred"))
        weights = self.output_weights(len(y_pred))
        total = None
        for weight, prediction in zip(weights, y_pred):  # a loop over outputs, not a tensor axis
            value = _mean_to_rank(ops.cast(self._level(y_true, to_float(prediction, "y_pred")), "float32"), 1)
            total = weight * value if total is None else total + weight * value
        return total

    def get_config(self):
        return {
            "name": self.name,
            "reduction": self.reduction,
            "loss": keras.losses.serialize(self.loss),
            "weights": self.weights,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["loss"] = keras.losses.deserialize(config["loss"])
        return cls(**config)
