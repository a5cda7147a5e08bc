"""Every public loss, metric and layer, registered once for Keras serialization and listed here.

Tests and the command-line tool iterate over these dictionaries, so a new loss is covered by the
contract suite as soon as it is registered.
"""

from __future__ import annotations

import re

import keras

PACKAGE = "imagelosses"
LOSSES: dict[str, type] = {}
METRICS: dict[str, type] = {}
LAYERS: dict[str, type] = {}


def _register(table: dict):
    def decorator(cls):
        keras.saving.register_keras_serializable(package=PACKAGE)(cls)
        table[cls.__name__] = cls
        return cls

    return decorator


def _short_name(class_name: str) -> str:
    """`DiceLoss` -> `dice`, `CrossEntropyLoss` -> `cross_entropy`, `SSIMLoss` -> `ssim`."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", class_name).lower()
    return name[: -len("_loss")] if name.endswith("_loss") else name


def _register_loss(cls):
    """Registers a loss for serialization and for string lookup by Keras.

    `keras.losses.get` (and so `compile(loss="...")`) looks strings up in Keras's own table only,
    not among registered objects: the loss is added there as `"imagelosses>DiceLoss"` and
    `"imagelosses>dice"`, so both spellings work in `compile`. (`keras.losses.deserialize`
    resolves the first spelling by itself.)
    """
    cls = _register(LOSSES)(cls)
    try:
        from keras.src.losses import ALL_OBJECTS_DICT
    except ImportError:  # a Keras without this table: `keras.losses.deserialize` still works
        return cls
    ALL_OBJECTS_DICT.setdefault(f"{PACKAGE}>{cls.__name__}", cls)
    ALL_OBJECTS_DICT.setdefault(f"{PACKAGE}>{_short_name(cls.__name__)}", cls)
    return cls


register_loss = _register_loss
register_metric = _register(METRICS)
register_layer = _register(LAYERS)
