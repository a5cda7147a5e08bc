"""Every option validator of the library, and the decorator that declares a function's options.

One rule for the kind of error: a value of the wrong type (a string for a number, a float for an
integer, anything but `True`/`False` for a flag) raises `TypeError`; a value of the right type
outside its range or set of choices raises `ValueError`. Numbers are `numbers.Real` /
`numbers.Integral`, so numpy scalars (`np.float32(255)`, `np.int64(11)`) pass and come back as
Python `float` / `int`; booleans are never numbers here, and NaN is never a valid number.
Every message names the argument, what was expected and what was received:

    Invalid value for argument `mode`. Expected one of ('reflect', ...). Received: mode='wrap'

`options(**validators)` declares the validators of a function's keyword-only options once. The
decorated function checks its options on every call, and exposes `check_options(**options)` so
a loss class derived from it (`imagelosses.losses.base.Loss`) runs the same checks when it is
constructed. Options that are checked against each other take a `combined=` callable.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import textwrap
from collections.abc import Callable

import numpy as np


def _type_error(name: str, expected: str, value) -> TypeError:
    return TypeError(
        f"Invalid type for argument `{name}`. Expected {expected}. "
        f"Received: {name}={value!r} of type {type(value).__name__}"
    )


def _value_error(name: str, expected: str, value) -> ValueError:
    return ValueError(f"Invalid value for argument `{name}`. Expected {expected}. Received: {name}={value!r}")


def _bounds_text(minimum, maximum, exclusive_minimum, exclusive_maximum) -> str:
    parts = []
    if minimum is not None:
        parts.append(f"{'>' if exclusive_minimum else '>='} {minimum}")
    if maximum is not None:
        parts.append(f"{'<' if exclusive_maximum else '<='} {maximum}")
    return " and ".join(parts)


def _check_bounds(name, value, kind, minimum, maximum, exclusive_minimum, exclusive_maximum, shown=None):
    low = minimum is not None and (value <= minimum if exclusive_minimum else value < minimum)
    high = maximum is not None and (value >= maximum if exclusive_maximum else value > maximum)
    if low or high:
        bounds = _bounds_text(minimum, maximum, exclusive_minimum, exclusive_maximum)
        raise _value_error(name, f"{kind} {bounds}", value if shown is None else shown)


def real(
    name: str,
    value,
    *,
    minimum=None,
    maximum=None,
    exclusive_minimum: bool = False,
    exclusive_maximum: bool = False,
    allow_infinity: bool = False,
) -> float:
    """A finite real number (not a bool, not NaN) within the bounds; returned as a Python float."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise _type_error(name, "a real number", value)
    number = float(value)
    if math.isnan(number) or (math.isinf(number) and not allow_infinity):
        raise _value_error(name, "a finite number" if not allow_infinity else "a number, not NaN", value)
    _check_bounds(name, number, "a number", minimum, maximum, exclusive_minimum, exclusive_maximum, value)
    return number


def integer(name: str, value, *, minimum=None, maximum=None) -> int:
    """An integer (not a bool; `np.int64` passes) within the bounds; returned as a Python int."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise _type_error(name, "an integer", value)
    value = int(value)
    _check_bounds(name, value, "an integer", minimum, maximum, False, False)
    return value


def odd_integer(name: str, value, *, minimum: int = 1) -> int:
    """An odd integer at or above `minimum` (window sizes)."""
    value = integer(name, value, minimum=minimum)
    if value % 2 == 0:
        raise _value_error(name, f"an odd integer >= {minimum}", value)
    return value


def boolean(name: str, value) -> bool:
    """`True` or `False` (numpy booleans pass); anything else, `0`/`1` and strings included, is refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise _type_error(name, "True or False", value)
    return bool(value)


def choice(name: str, value, choices) -> str:
    """One of `choices` (compared with `==`, so an unknown option is never taken as a default)."""
    if isinstance(value, (list, dict, set)) or value not in tuple(choices):
        raise _value_error(name, f"one of {tuple(choices)}", value)
    return value


def optional(validator: Callable) -> Callable:
    """`None`, or a value `validator` accepts."""

    def check(name, value):
        return None if value is None else validator(name, value)

    return check


def reals(name: str, value, *, minimum=None, length=None, exclusive_minimum=False) -> tuple[float, ...]:
    """A non-empty sequence of real numbers (each checked as by `real`); returned as a tuple."""
    expected = f"{length} real numbers" if length else "a non-empty sequence of real numbers"
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__len__"):
        raise _type_error(name, expected, value)
    if len(value) == 0:
        raise _value_error(name, expected, value)
    if length is not None and len(value) != length:
        raise _value_error(name, f"{length} real numbers", value)
    return tuple(real(name, v, minimum=minimum, exclusive_minimum=exclusive_minimum) for v in value)


# Validators in the `(name, value) -> value` form `options` takes, for the common cases.
def number(minimum=None, maximum=None, *, exclusive_minimum=False, exclusive_maximum=False) -> Callable:
    return functools.partial(
        real,
        minimum=minimum,
        maximum=maximum,
        exclusive_minimum=exclusive_minimum,
        exclusive_maximum=exclusive_maximum,
    )


def positive() -> Callable:
    return number(0.0, exclusive_minimum=True)


def non_negative() -> Callable:
    return number(0.0)


def one_of(*choices) -> Callable:
    return lambda name, value: choice(name, value, choices)


def whole(minimum=None, maximum=None) -> Callable:
    return functools.partial(integer, minimum=minimum, maximum=maximum)


def flag(name: str, value) -> bool:
    return boolean(name, value)


DATA_FORMATS = ("channels_last", "channels_first")


def data_format(name: str, value):
    """`None` (Keras's `image_data_format()`) or one of `DATA_FORMATS`."""
    return None if value is None else choice(name, value, DATA_FORMATS)


def spatial_dims(name: str, value):
    """`None` (inferred from the rank) or 2 or 3."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value not in (2, 3):
        raise _value_error(name, "one of (2, 3) or None (inferred from the rank)", value)
    return int(value)


LAYOUT = {"data_format": data_format, "spatial_dims": spatial_dims}

# One description per option that many functions share; `options` adds the line to the Args
# section of every function that takes the option and does not describe it itself.
SHARED_DOCS: dict[str, str] = {
    "data_format": '"channels_last" or "channels_first"; default None, meaning '
    "`keras.config.image_data_format()` (a loss class stores the resolved value).",
    "mode": 'boundary handling of the filters: "reflect" (default; scipy.ndimage\'s, `d c b a | a b c d`), '
    '"mirror" (`d c b | a b c d`), "nearest", "constant" (zeros) or "valid" (no padding: the output '
    "shrinks by the filter's radius on each side).",
    "spatial_dims": "2 or 3; default None, inferred from the rank: 2 for rank 4, 3 for rank 5. A rank-5 "
    "input with `spatial_dims=2` is a sequence `(B, T, H, W, C)` with results per frame.",
}

_ARGS_HEADER = "Args:"


def _described(lines: list[str]) -> set[str]:
    names = set()
    for line in lines:
        if line.startswith("    ") and not line.startswith("     ") and ":" in line:
            names.update(n.strip() for n in line.split(":", 1)[0].split(","))
    return names


def complete_args(doc: str | None, names) -> str:
    """`doc` (cleaned) with a line from `SHARED_DOCS` for each of `names` its Args section lacks."""
    lines = inspect.cleandoc(doc or "").splitlines()
    if _ARGS_HEADER not in lines:
        insert = next((i for i, line in enumerate(lines) if line in ("Returns:", "Raises:")), len(lines))
        lines[insert:insert] = ([""] if insert and lines[insert - 1] else []) + [_ARGS_HEADER, ""]
    start = lines.index(_ARGS_HEADER) + 1
    end = start
    while end < len(lines) and (lines[end].startswith(" ") or not lines[end]):
        end += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    section = lines[start:end]
    have = _described(section)
    extra = []
    for name in names:
        if name not in have and name in SHARED_DOCS:
            extra += textwrap.wrap(
                f"{name}: {SHARED_DOCS[name]}", width=96, initial_indent="    ", subsequent_indent="        "
            )
    lines = lines[:start] + section + extra + lines[end:]
    if "Raises:" not in lines:
        lines += ["", "Raises:", *(f"    {line}" for line in _RAISES)]
    return "\n".join(lines)


# The Raises section of every function that does not write its own: the checks all run through
# this module and `imagelosses._shapes`, so the cases are the same everywhere.
_RAISES = (
    "TypeError: an option of the wrong type (a string for a number, 1 for True) or an input of",
    "    a non-real dtype; the message names the argument.",
    "ValueError: an option outside its range or choices, inputs of the wrong rank, of",
    "    mismatched shapes or too small for the filter; the message names the argument, what",
    "    was expected and what was received.",
)


def keyword_options(fn: Callable) -> dict[str, inspect.Parameter]:
    """The keyword-only parameters of `fn` (its options), in order."""
    signature = inspect.signature(fn)
    return {name: p for name, p in signature.parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}


def options(combined: Callable | None = None, function_only=(), **validators: Callable) -> Callable:
    """Declares the validators of a function's keyword-only options.

    Each validator is `validator(name, value) -> value` (the returned value is what the function
    receives). `combined(options) -> None` checks options against each other after each one
    passed. The decorated function gains `check_options(**options) -> dict`: every option, the
    defaults filled in, validated; classes derived from the function call it at construction.
    `function_only` names options that take tensors (a per-pixel weight map): a derived class
    does not take them.
    """

    def decorate(fn):
        params = keyword_options(fn)
        unknown = set(validators) - set(params)
        if unknown:
            raise TypeError(f"`{fn.__name__}` has no keyword-only options {sorted(unknown)}")

        def check_options(**given):
            unexpected = set(given) - set(params)
            if unexpected:
                raise TypeError(
                    f"`{fn.__name__}` got unexpected keyword arguments {sorted(unexpected)}. "
                    f"Expected some of {tuple(params)}"
                )
            values = {name: given.get(name, p.default) for name, p in params.items()}
            missing = [name for name, v in values.items() if v is inspect.Parameter.empty]
            if missing:
                raise TypeError(f"`{fn.__name__}` is missing the required keyword arguments {missing}")
            for name, validator in validators.items():
                values[name] = validator(name, values[name])
            if combined is not None:
                combined(values)
            return values

        @functools.wraps(fn)
        def wrapper(*args, **given):
            return fn(*args, **check_options(**given))

        wrapper.__doc__ = complete_args(fn.__doc__, params)
        wrapper.check_options = check_options
        wrapper.function_only = tuple(function_only)
        wrapper.validators = dict(validators)
        return wrapper

    return decorate
