"""The loss base class, loss algebra (`+`, scalar `*`) and `WeightedSum`.

Every imagelosses loss is a pure function `f(y_true, y_pred, *, **options)` returning one value
per sample (`(B,)`, or `(B, T)` for sequences), wrapped by a thin `Loss` subclass that stores the
options once: they become its `get_config`, so `model.save` / `keras.saving.load_model` round-trip
every option with no `custom_objects`. Keras applies `sample_weight` and the reduction.

Losses combine into a `WeightedSum`:

    loss = 0.2 * SobelLoss() + keras.losses.MeanSquaredError()
    loss = WeightedSum([SobelLoss(), "mse"], weights=[0.2, 0.8])

Keras's own losses define no `*`, so an expression starts with an imagelosses term (or is written
as a `WeightedSum`). Pass `loss.term_metrics()` to `compile(metrics=...)` to watch every term.
"""

from __future__ import annotations

import numbers
import re

import keras
from keras import ops

from imagelosses._registry import register_loss, register_metric
from imagelosses._shapes import to_float


def _snake_case(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


class Loss(keras.losses.Loss):
    """Base of every imagelosses loss: a pure function plus the options it is called with.

    Subclasses pass their function and an options dict; `call` is `fn(y_true, y_pred, **options)`
    and `get_config` returns the options with Keras's `name` and `reduction`. With a reduction,
    an empty batch gives a loss of 0 (Keras alone would return an empty tensor).
    """

    def __init__(self, fn=None, options=None, name=None, reduction="sum_over_batch_size", dtype=None):
        super().__init__(
            name=name or _snake_case(type(self).__name__), reduction=reduction, dtype=dtype
        )
        self.fn = fn
        self.options = dict(options or {})

    def __call__(self, y_true, y_pred, sample_weight=None):
        loss = super().__call__(y_true, y_pred, sample_weight=sample_weight)
        if self.reduction not in (None, "none") and len(loss.shape) > 0:
            loss = ops.sum(loss)  # only an empty batch arrives here unreduced: its sum is 0
        return loss

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self.options)

    def get_config(self):
        return {**super().get_config(), **self.options}

    def __add__(self, other):
        return WeightedSum([self, other])

    def __radd__(self, other):
        if isinstance(other, numbers.Number) and other == 0:  # lets `sum([...])` start at 0
            return self
        return WeightedSum([other, self])

    def __mul__(self, weight):
        if isinstance(weight, bool) or not isinstance(weight, numbers.Real):
            return NotImplemented
        return WeightedSum([self], weights=[float(weight)])

    __rmul__ = __mul__


def _resolve_term(term, index: int):
    if isinstance(term, (str, dict)):
        try:
            return keras.losses.get(term)
        except ValueError as error:
            raise ValueError(
                f"Invalid value for argument `losses`. Item {index} is not a known Keras loss. "
                f"Received: {term!r}"
            ) from error
    if not callable(term):
        raise TypeError(
            "Invalid value for argument `losses`. Expected Keras loss objects, loss names or "
            f"callables `f(y_true, y_pred)`. Received item {index}: {term!r}"
        )
    return term


def _term_name(term) -> str:
    return getattr(term, "name", None) or getattr(term, "__name__", type(term).__name__)


def per_sample_values(term, y_true, y_pred):
    """A term's unreduced values: `Loss.call` for loss objects, the function itself otherwise."""
    if isinstance(term, keras.losses.Loss):
        return term.call(y_true, y_pred)
    return term(y_true, y_pred)


def _mean_to_rank(values, rank: int):
    extra = tuple(range(rank, len(values.shape)))
    return ops.mean(values, axis=extra) if extra else values


@register_loss
class WeightedSum(Loss):
    """`sum_i weights[i] * losses[i]`, one value per sample.

    Args:
        losses: Keras loss objects (imagelosses or Keras's own), loss names such as "mse", or
            callables `f(y_true, y_pred)` returning per-sample values.
        weights: one real number per loss; default all 1.

    Each term's per-sample values are averaged over their trailing axes down to the rank of the
    term with the fewest axes (Keras's MSE returns `(B, H, W)`, SobelLoss `(B,)`: the MSE is
    averaged over H and W first), then weighted and summed. Sums and scalings of a `WeightedSum`
    flatten, so `0.5 * (a + b) + c` has the three terms `a`, `b`, `c`.
    """

    def __init__(
        self, losses, weights=None, name="weighted_sum", reduction="sum_over_batch_size", dtype=None
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if isinstance(losses, (str, dict)) or not hasattr(losses, "__len__") or len(losses) == 0:
            raise ValueError(
                "Invalid value for argument `losses`. Expected a non-empty list of losses. "
                f"Received: losses={losses!r}"
            )
        weights = [1.0] * len(losses) if weights is None else list(weights)
        if len(weights) != len(losses):
            raise ValueError(
                "Arguments `losses` and `weights` must have the same length. "
                f"Received: {len(losses)} losses, weights={weights}"
            )
        for w in weights:
            if isinstance(w, bool) or not isinstance(w, numbers.Real):
                raise TypeError(
                    f"Invalid value for argument `weights`. Expected real numbers. Received: {w!r}"
                )
        self.terms, self.weights = [], []
        for index, (term, weight) in enumerate(zip(losses, weights)):
            term = _resolve_term(term, index)
            if isinstance(term, WeightedSum):  # flatten nested sums
                self.terms += term.terms
                self.weights += [float(weight) * w for w in term.weights]
            else:
                self.terms.append(term)
                self.weights.append(float(weight))

    def call(self, y_true, y_pred):
        y_true, y_pred = to_float(y_true, "y_true"), to_float(y_pred, "y_pred")
        values = [per_sample_values(term, y_true, y_pred) for term in self.terms]
        rank = min(len(v.shape) for v in values)
        total = None
        for weight, value in zip(self.weights, values):
            value = weight * ops.cast(_mean_to_rank(value, rank), "float32")
            total = value if total is None else total + value
        return total

    def __mul__(self, weight):
        if isinstance(weight, bool) or not isinstance(weight, numbers.Real):
            return NotImplemented
        return WeightedSum(self.terms, [float(weight) * w for w in self.weights], name=self.name)

    __rmul__ = __mul__

    def term_names(self) -> list[str]:
        """Distinct names of the terms, in order (a repeated name gets `_1`, `_2`, ...)."""
        names, seen = [], {}
        for term in self.terms:
            base = _term_name(term)
            count = seen.get(base, 0)
            seen[base] = count + 1
            names.append(base if count == 0 else f"{base}_{count}")
        return names

    def term_metrics(self) -> list:
        """One `LossTerm` metric per term, reporting its unweighted mean value.

        `model.compile(loss=loss, metrics=loss.term_metrics())` logs every term during `fit`.
        """
        return [LossTerm(term, name=name) for name, term in zip(self.term_names(), self.terms)]

    def get_config(self):
        return {
            "name": self.name,
            "reduction": self.reduction,
            "losses": [keras.losses.serialize(term) for term in self.terms],
            "weights": list(self.weights),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["losses"] = [keras.losses.deserialize(term) for term in config["losses"]]
        return cls(**config)


@register_metric
class LossTerm(keras.metrics.Mean):
    """The running mean of one loss's per-sample values: a loss watched as a metric.

    Made by `WeightedSum.term_metrics()`; honours `sample_weight` like the loss does.
    """

    def __init__(self, loss, name=None, dtype=None):
        loss = _resolve_term(loss, 0)
        super().__init__(name=name or _term_name(loss), dtype=dtype)
        self.loss = loss

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = to_float(y_true, "y_true"), to_float(y_pred, "y_pred")
        values = _mean_to_rank(per_sample_values(self.loss, y_true, y_pred), 1)
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "loss": keras.losses.serialize(self.loss)}

    @classmethod
    def from_config(cls, config):
        return cls(**{**config, "loss": keras.losses.deserialize(config["loss"])})
