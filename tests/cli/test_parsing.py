"""`--losses` names and expressions: parsed by a small grammar, never evaluated as Python."""

import keras
import pytest

import imagelosses
from imagelosses.cli import specs
from imagelosses.cli._common import EXIT_USAGE, CLIError


@pytest.mark.parametrize(
    "text, terms",
    [
        ("mse", [(1.0, "mse")]),
        ("mse+0.2*sobel", [(1.0, "mse"), (0.2, "sobel")]),
        ("sobel*0.5 + mae", [(0.5, "sobel"), (1.0, "mae")]),
        ("0.5*(mse+2*laplacian)", [(0.5, "mse"), (1.0, "laplacian")]),
        ("1e-1*gdl", [(0.1, "gdl")]),
    ],
)
def test_expressions_expand_to_weighted_terms(text, terms):
    assert specs.parse_terms(text) == terms


@pytest.mark.parametrize(
    "text",
    [
        "",
        "mse+",
        "0.2",
        "mse*sobel",
        "(mse",
        "mse)",
        "__import__('os').system('x')",
        "mse-sobel",
        "mse;sobel",
    ],
)
def test_invalid_expressions_raise_a_usage_error(text):
    with pytest.raises(CLIError) as info:
        specs.parse_terms(text)
    assert info.value.code == EXIT_USAGE
    assert "Invalid loss expression" in str(info.value)


def test_a_sum_builds_a_weighted_sum_with_the_weights():
    label, loss = specs.build("mse+0.2*sobel", "restore")
    assert label == "mse+0.2*sobel"
    assert isinstance(loss, imagelosses.WeightedSum)
    assert loss.weights == [1.0, 0.2]
    assert isinstance(loss.terms[1], imagelosses.SobelLoss)


def test_class_names_and_keras_names_resolve():
    assert isinstance(specs.build("SobelLoss", "restore")[1], imagelosses.SobelLoss)
    assert isinstance(specs.build("laplacian", "restore")[1], imagelosses.LaplacianLoss)
    assert isinstance(specs.build("mse", "restore")[1], keras.losses.MeanSquaredError)
    assert callable(specs.build("huber", "restore")[1])


def test_unknown_names_and_wrong_task_are_usage_errors():
    with pytest.raises(CLIError, match="Unknown loss 'nonsense'") as info:
        specs.build("mse+nonsense", "restore")
    assert info.value.code == EXIT_USAGE
    with pytest.raises(CLIError, match="segment loss"):
        specs.build("dice", "restore")


def test_comma_separated_runs():
    assert specs.split_losses("mse, mse+0.2*sobel") == ["mse", "mse+0.2*sobel"]
    with pytest.raises(CLIError):
        specs.split_losses("mse,,mae")
