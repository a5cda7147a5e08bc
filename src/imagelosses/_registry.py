"""Every public loss, metric and layer, registered once for Keras serialization and listed here.

Tests and the command-line tool iterate over these dictionaries, so a new loss is covered by the
contract suite as soon as it is registered.
"""

from __future__ import annotations

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


register_loss = _register(LOSSES)
register_metric = _register(METRICS)
register_layer = _register(LAYERS)
