"""Every registered loss class is derived from its function: same options, same defaults, same checks.

Also: options are checked at construction (not first inside `fit`), numpy scalars are accepted,
and `data_format` is resolved when a loss or metric is built, so a saved object keeps its layout.
"""

import inspect
import math

import keras
import numpy as np
import pytest

import imagelosses
from imagelosses import _checks
from imagelosses._registry import LOSSES, METRICS
from imagelosses.losses.base import Loss

DERIVED = sorted(
    (name, cls) for name, cls in LOSSES.items() if isinstance(cls, type) and getattr(cls, "fn", None)
)
KERAS_OPTIONS = ("name", "reduction", "dtype")
# Values that most validators refuse; each is tried on every option that has a validator.
BAD_VALUES = ("bogus", -1, -0.5, math.nan, math.inf, 2.5, 0, 3, [1.0, "a"], "no", None)


def _class_options(cls) -> dict:
    params = inspect.signature(cls).parameters
    return {n: p for n, p in params.items() if n not in KERAS_OPTIONS}


def _function_options(fn) -> dict:
    return {n: p for n, p in _checks.keyword_options(fn).items() if n not in fn.function_only}


def test_every_loss_with_options_is_derived():
    # the wrappers take a loss object and document why they are written by hand
    hand_written = {"WeightedSum", "ForgiveFalseNegatives", "DeepSupervision"}
    for name, cls in LOSSES.items():
        if issubclass(cls, Loss) and name not in hand_written:
            assert getattr(cls, "fn", None) is not None, name


@pytest.mark.parametrize("name, cls", DERIVED, ids=[n for n, _ in DERIVED])
def test_class_takes_exactly_the_function_options_with_its_defaults(name, cls):
    class_opts, fn_opts = _class_options(cls), _function_options(cls.fn)
    assert list(class_opts) == list(fn_opts)
    for option, param in fn_opts.items():
        assert class_opts[option].default == param.default, option
        assert class_opts[option].kind is inspect.Parameter.KEYWORD_ONLY
    defaults = cls().get_config()
    for option, param in fn_opts.items():
        expected = param.default
        if option == "data_format":
            expected = keras.config.image_data_format()
        if isinstance(expected, tuple):
            expected = list(expected)
        assert defaults[option] == expected, option


@pytest.mark.parametrize("name, cls", DERIVED, ids=[n for n, _ in DERIVED])
def test_a_bad_option_fails_at_construction_with_the_function_message(name, cls):
    fn = cls.fn
    tried = 0
    for option in fn.validators:
        for bad in BAD_VALUES:
            try:
                fn.check_options(**{option: bad})  # what the function runs before reading inputs
            except (TypeError, ValueError) as error:
                expected = error
            else:
                continue
            with pytest.raises(type(expected)) as caught:
                cls(**{option: bad})
            assert str(caught.value) == str(expected)
            assert f"`{option}`" in str(expected) or option in str(expected)
            tried += 1
    assert tried > 0 or not fn.validators


@pytest.mark.parametrize("name, cls", DERIVED, ids=[n for n, _ in DERIVED])
def test_class_docstring_documents_every_option(name, cls):
    doc = cls.__doc__
    args = doc[doc.index("Args:") :]
    for option in _class_options(cls):
        assert f"    {option}" in args or f", {option}" in args, option
    fn_args = cls.fn.__doc__[cls.fn.__doc__.index("Args:") :]
    for option in _checks.keyword_options(cls.fn):
        assert option in fn_args, f"{cls.fn.__name__} does not document `{option}`"


@pytest.mark.parametrize(
    "make, option",
    [
        (lambda: imagelosses.SobelLoss(mode="wrap"), "mode"),
        (lambda: imagelosses.DiceLoss(smooth=-1), "smooth"),
        (lambda: imagelosses.DiceLoss(smooth=float("nan")), "smooth"),
        (lambda: imagelosses.FocalLoss(gamma=float("nan")), "gamma"),
        (lambda: imagelosses.CrossEntropyLoss(class_weights=[1.0, float("nan")]), "class_weights"),
        (lambda: imagelosses.SSIMLoss(filter_size=10), "filter_size"),
        (lambda: imagelosses.TverskyLoss(alpha=0, beta=0), "alpha"),
        (lambda: imagelosses.SobelLoss(magnitude="no"), "magnitude"),
        (lambda: imagelosses.layers.SobelEdges(magnitude="no"), "magnitude"),
        (lambda: imagelosses.metrics.SSIM(filter_size=4), "filter_size"),
    ],
)
def test_reported_bad_options_fail_at_construction(make, option):
    with pytest.raises((TypeError, ValueError), match=f"`{option}`"):
        make()


def test_one_rule_for_type_and_value_errors():
    with pytest.raises(TypeError):
        imagelosses.DiceLoss(smooth="1")
    with pytest.raises(ValueError):
        imagelosses.DiceLoss(smooth=-1)
    with pytest.raises(TypeError):
        imagelosses.SSIMLoss(filter_size=11.0)
    with pytest.raises(ValueError):
        imagelosses.SSIMLoss(filter_size=-3)
    with pytest.raises(TypeError):
        imagelosses.DiceLoss(log=1)


def test_numpy_scalars_are_accepted():
    a = np.random.default_rng(0).uniform(0, 255, (1, 16, 16, 1)).astype("float32")
    b = np.clip(a + 3.0, 0, 255)
    plain = imagelosses.ssim(a, b, max_val=255.0, filter_size=11)
    numpy_options = imagelosses.ssim(a, b, max_val=np.float32(255), filter_size=np.int64(11))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(numpy_options), keras.ops.convert_to_numpy(plain))
    config = imagelosses.SSIMLoss(max_val=np.float32(255), filter_size=np.int64(7)).get_config()
    assert type(config["max_val"]) is float and type(config["filter_size"]) is int


def test_losses_and_metrics_keep_their_layout_across_a_save(tmp_path):
    """Configs store the resolved `data_format`; a model saved under channels_first computes the
    same loss when loaded under channels_last (it used to switch layouts: 1.994 -> 4.710)."""
    previous = keras.config.image_data_format()
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(2, 1, 12, 12)).astype("float32")
    y = rng.uniform(size=(2, 1, 12, 12)).astype("float32")
    try:
        keras.config.set_image_data_format("channels_first")
        loss = imagelosses.SobelLoss()
        expected = float(loss(x, y))
        configs = {name: keras.saving.serialize_keras_object(cls()) for name, cls in DERIVED}
        metric_configs = {
            name: keras.saving.serialize_keras_object(
                cls(
                    **{
                        option: value
                        for option, value in {"num_classes": 3, "tolerance": 1.0}.items()
                        if option in inspect.signature(cls).parameters
                    }
                )
            )
            for name, cls in METRICS.items()
            if "data_format" in inspect.signature(cls).parameters
        }
        layer = keras.saving.serialize_keras_object(imagelosses.layers.SobelEdges())
        keras.config.set_image_data_format("channels_last")
        reloaded = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(loss))
        assert float(reloaded(x, y)) == pytest.approx(expected, rel=1e-6)
        assert float(imagelosses.SobelLoss()(x, y)) != pytest.approx(expected, rel=1e-3)
        for name, config in {**configs, **metric_configs}.items():
            obj = keras.saving.deserialize_keras_object(config)
            assert obj.get_config()["data_format"] == "channels_first", name
        assert keras.saving.deserialize_keras_object(layer).data_format == "channels_first"
    finally:
        keras.config.set_image_data_format(previous)


def test_every_loss_has_term_metrics():
    for name, cls in DERIVED:
        metrics = cls().term_metrics()
        assert len(metrics) == 1 and metrics[0].name == cls().name, name
