"""The public API's shape: keyword-only options, registered classes, exported names."""

import inspect

import keras
import pytest

import imagelosses
from imagelosses import LAYERS, LOSSES

FUNCTIONS = [
    getattr(imagelosses, name)
    for name in imagelosses.__all__
    if inspect.isfunction(getattr(imagelosses, name))
]


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_functions_take_tensors_positionally_and_options_by_keyword(fn):
    params = list(inspect.signature(fn).parameters.values())
    positional = [p for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert len(positional) in (1, 2), fn.__name__
    if len(positional) == 2:
        assert [p.name for p in positional] == ["y_true", "y_pred"]
    assert all(p.kind is p.KEYWORD_ONLY for p in params[len(positional) :]), fn.__name__
    assert fn.__doc__ and ("Returns" in fn.__doc__ or "Takes the arguments" in fn.__doc__)


@pytest.mark.parametrize("name", sorted(LOSSES) + sorted(LAYERS))
def test_registered_classes_resolve_by_their_keras_name(name):
    cls = LOSSES.get(name) or LAYERS.get(name)
    assert keras.saving.get_registered_object(f"imagelosses>{name}") is cls
    assert cls.__doc__


def test_every_public_name_is_exported():
    for name in imagelosses.__all__:
        assert hasattr(imagelosses, name), name
