"""The bake-off's short names of the robust and frequency losses (`--losses "mse,barron,ffl"`)."""

import keras
import pytest

import imagelosses
from imagelosses.cli import specs
from imagelosses.cli._common import CLIError


@pytest.mark.parametrize(
    "alias, cls",
    [
        ("barron", imagelosses.BarronLoss),
        ("welsch", imagelosses.WelschLoss),
        ("cauchy", imagelosses.CauchyLoss),
        ("gemanmcclure", imagelosses.GemanMcClureLoss),
        ("ffl", imagelosses.FocalFrequencyLoss),
    ],
)
def test_restore_aliases_build_their_losses(alias, cls):
    label, loss = specs.build(alias, "restore")
    assert label == alias and type(loss) is cls
    with pytest.raises(CLIError, match="restore loss"):
        specs.build(alias, "segment")


def test_comma_separated_runs_and_sums_with_the_new_aliases():
    runs = specs.split_losses("mse,barron,ffl")
    assert runs == ["mse", "barron", "ffl"]
    built = [specs.build(run, "restore")[1] for run in runs]
    assert isinstance(built[0], keras.losses.MeanSquaredError)
    assert [type(b) for b in built[1:]] == [imagelosses.BarronLoss, imagelosses.FocalFrequencyLoss]
    assert specs.parse_terms("mse+0.1*ffl+0.5*gemanmcclure") == [
        (1.0, "mse"),
        (0.1, "ffl"),
        (0.5, "gemanmcclure"),
    ]
    _, mix = specs.build("cauchy+0.2*welsch", "restore")
    assert isinstance(mix, imagelosses.WeightedSum) and mix.weights == [1.0, 0.2]
