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

import inspect
import numbers
import re

import keras
import numpy as np
from keras import ops

from imagelosses import _checks
from imagelosses._reduce import mean_over
from imagelosses._registry import register_loss, register_metric
from imagelosses._shapes import to_float


def _snake_case(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


_SECTION = re.compile(r"^(Args|Returns|Raises|References|Example|Examples|Note|Notes):\s*$")


def _section(doc: str | None, title: str) -> list[str]:
    """The indented lines of one Google-style docstring section (`Args:`), dedented."""
    lines = inspect.cleandoc(doc or "").splitlines()
    out, inside = [], False
    for line in lines:
        header = _SECTION.match(line.strip()) if not line.startswith(" ") else None
        if header:
            inside = header.group(1) == title
            continue
        if inside:
            if line and not line.startswith(" "):
                break
            out.append(line[4:] if line.startswith("    ") else line)
    while out and not out[-1].strip():
        out.pop()
    return out


def _without_entries(lines: list[str], names) -> list[str]:
    """Args lines less the entries that document only `names` (options a class cannot take)."""
    out, skipping = [], False
    for line in lines:
        if line and not line.startswith(" "):
            skipping = {n.strip() for n in line.split(":", 1)[0].split(",")} <= set(names)
        if not skipping:
            out.append(line)
    return out


def _derived_doc(cls, fn) -> str:
    own = inspect.cleandoc(cls.__dict__.get("__doc__") or f"The loss class of `{fn.__name__}`.")
    args = _without_entries(_section(fn.__doc__, "Args"), getattr(fn, "function_only", ()))
    lines = [
        own,
        "",
        f"Calls `{fn.__module__}.{fn.__name__}` (its docstring has the formula) with the",
        "options below, checked when the loss is constructed. Keras applies `sample_weight`",
        "and the reduction to the per-sample values.",
        "",
        "Args:",
    ]
    lines += ["    " + line if line else "" for line in args]
    lines += ["    name, reduction, dtype: as for every `keras.losses.Loss`."]
    returns = _section(fn.__doc__, "Returns")
    if returns:
        lines += ["", "Per-sample values (`call`, `reduction=None`):"]
        lines += ["    " + line if line else "" for line in returns]
    return "\n".join(lines)


def _resolved(options: dict) -> dict:
    """`data_format=None` becomes Keras's current `image_data_format()`, stored in the config, so a
    loss saved under one setting computes the same value when loaded under another."""
    if "data_format" in options and options["data_format"] is None:
        options = {**options, "data_format": keras.config.image_data_format()}
    return options


class Loss(keras.losses.Loss):
    """Base of every imagelosses loss: a pure function plus the options it is called with.

    A loss class is derived from its function: `class DiceLoss(Loss, fn=dice_loss)`. The
    constructor takes exactly the function's keyword-only options (same defaults), checks them
    with the function's own validators (`imagelosses._checks.options`), resolves
    `data_format=None` to Keras's current setting and stores the result; `get_config` returns it
    with Keras's `name` and `reduction`, so `model.save` round-trips every option with no
    `custom_objects`. `call` is `fn(y_true, y_pred, **options)`: one value per sample. With a
    reduction, an empty batch gives a loss of 0 (Keras alone would return an empty tensor).
    """

    fn = None

    def __init_subclass__(cls, fn=None, **kwargs):
        super().__init_subclass__(**kwargs)
        if fn is None:
            return
        if not hasattr(fn, "check_options"):
            raise TypeError(f"`{fn.__name__}` must declare its options with `imagelosses._checks.options`")
        cls.fn = staticmethod(fn)
        params = {name: p for name, p in _checks.keyword_options(fn).items() if name not in fn.function_only}
        keras_params = [
            inspect.Parameter("name", inspect.Parameter.KEYWORD_ONLY, default=None),
            inspect.Parameter("reduction", inspect.Parameter.KEYWORD_ONLY, default="sum_over_batch_size"),
            inspect.Parameter("dtype", inspect.Parameter.KEYWORD_ONLY, default=None),
        ]
        self_param = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)

        def __init__(self, *, name=None, reduction="sum_over_batch_size", dtype=None, **options):
            Loss.__init__(self, fn=fn, options=options, name=name, reduction=reduction, dtype=dtype)

        __init__.__signature__ = inspect.Signature([self_param, *params.values(), *keras_params])
        __init__.__qualname__ = f"{cls.__qualname__}.__init__"
        __init__.__doc__ = f"Checks the options of `{fn.__name__}` and stores them."
        cls.__init__ = __init__
        cls.__doc__ = _derived_doc(cls, fn)

    def __init__(self, fn=None, options=None, name=None, reduction="sum_over_batch_size", dtype=None):
        super().__init__(name=name or _snake_case(type(self).__name__), reduction=reduction, dtype=dtype)
        options = dict(options or {})
        if fn is not None and hasattr(fn, "check_options"):
            options = _resolved(fn.check_options(**options))
            for name in fn.function_only:
                options.pop(name)
        self.fn = fn
        self.options = config_values(options)

    _pixel_weights = None

    def __call__(self, y_true, y_pred, sample_weight=None):
        if sample_weight is not None and _is_pixel_map(sample_weight, y_pred):
            if not self.takes_pixel_weights:
                raise ValueError(
                    f"Invalid shape for `sample_weight`. `{type(self).__name__}` computes one value "
                    "per image from all its pixels, so it takes one weight per image: expected shape "
                    f"(B,) (or (B, T) for sequences). Received: sample_weight.shape="
                    f"{tuple(ops.shape(sample_weight))}. Per-pixel weights are taken by the "
                    "per-pixel losses (CrossEntropyLoss, FocalLoss, CharbonnierLoss); `ignore_class` "
                    "drops pixels from any segmentation loss."
                )
            # a weight map multiplies each pixel's term inside the function (Keras's per-pixel
            # convention: the weighted terms are averaged over the pixels)
            self._pixel_weights, sample_weight = sample_weight, None
        try:
            loss = super().__call__(y_true, y_pred, sample_weight=sample_weight)
        finally:
            self._pixel_weights = None
        if self.reduction not in (None, "none") and len(loss.shape) > 0:
            loss = ops.sum(loss)  # only an empty batch arrives here unreduced: its sum is 0
        return loss

    @property
    def takes_pixel_weights(self) -> bool:
        """Whether `sample_weight` may be a per-pixel map (the function has `pixel_weights`)."""
        return "pixel_weights" in getattr(self.fn, "function_only", ())

    def call(self, y_true, y_pred):
        if self._pixel_weights is not None:
            return self.fn(y_true, y_pred, pixel_weights=self._pixel_weights, **self.options)
        return self.fn(y_true, y_pred, **self.options)

    def get_config(self):
        return {**super().get_config(), **self.options}

    def term_metrics(self) -> list:
        """One `LossTerm` metric watching this loss (for `compile(metrics=...)`); sums give one per term."""
        return [LossTerm(self, name=self.name)]

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


def _is_pixel_map(sample_weight, y_pred) -> bool:
    """A `sample_weight` with the spatial axes of `y_pred`: `(B, *spatial)` or `(B, *spatial, 1)`."""
    rank = len(getattr(sample_weight, "shape", np.shape(sample_weight)))
    return rank >= 3 and rank >= len(y_pred.shape) - 1


def config_values(options: dict) -> dict:
    """Options as `get_config` stores them: sequences become lists (JSON round-trips them so) and
    numpy scalars Python numbers."""
    out = {}
    for name, value in options.items():
        if isinstance(value, (tuple, list, np.ndarray)):
            value = [v.item() if isinstance(v, np.generic) else v for v in value]
        elif isinstance(value, np.generic):
            value = value.item()
        out[name] = value
    return out


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


def _deserialize_term(config, index: int):
    """A saved term; a plain function that Keras cannot find gets an error saying how to register it."""
    name = config.get("config") if isinstance(config, dict) else config
    term, cause = None, None
    try:
        term = keras.losses.deserialize(config)
    except (ValueError, TypeError) as error:
        cause = error
    if callable(term):
        return term
    raise ValueError(
        f"Cannot load term {index} of a saved `WeightedSum`: {name!r} is not a loss Keras knows. "
        "A plain Python function saves by name only; to load it, pass it with "
        f"`keras.saving.load_model(..., custom_objects={{{name!r}: {name}}})` or decorate it with "
        "`@keras.saving.register_keras_serializable()` before saving and loading. "
        f"Received: term {index} = {config!r}"
    ) from cause


def _term_name(term) -> str:
    return getattr(term, "name", None) or getattr(term, "__name__", type(term).__name__)


def per_sample_values(term, y_true, y_pred):
    """A term's unreduced values: `Loss.call` for loss objects, the function itself otherwise."""
    if isinstance(term, keras.losses.Loss):
        return term.call(y_true, y_pred)
    return term(y_true, y_pred)


def _mean_to_rank(values, rank: int):
    extra = tuple(range(rank, len(values.shape)))
    return mean_over(values, axis=extra) if extra else values


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
        weights = list(_checks.reals("weights", weights))
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
        config["losses"] = [_deserialize_term(term, index) for index, term in enumerate(config["losses"])]
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
        return cls(**{**config, "loss": _deserialize_term(config["loss"], 0)})
