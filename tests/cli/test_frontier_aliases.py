"""The bake-off accepts the newer segmentation losses by their short names."""

import numpy as np
import pytest

import imagelosses
from imagelosses.cli import specs
from tests.conftest import to_numpy

NEW = {
    "cldice": "SoftClDiceLoss",
    "dicecldice": "DiceClDiceLoss",
    "mcc": "MCCLoss",
    "topk": "TopKCrossEntropyLoss",
    "dicece": "DiceCELoss",
    "dicefocal": "DiceFocalLoss",
    "unifiedfocal": "AsymmetricUnifiedFocalLoss",
    "wasserstein": "GeneralizedWassersteinDiceLoss",
}


@pytest.mark.parametrize("alias", sorted(NEW))
def test_alias_builds_its_class_for_logits_and_computes(alias, rng):
    _, loss = specs.build(alias, "segment")
    assert type(loss) is getattr(imagelosses, NEW[alias])
    assert loss.options["from_logits"] is True
    labels = rng.integers(0, 3, (2, 8, 8, 1)).astype("float32")
    logits = rng.normal(0, 1, (2, 8, 8, 3)).astype("float32")
    assert np.all(np.isfinite(to_numpy(loss.call(labels, logits))))


def test_the_issue_spec_parses_as_five_runs():
    runs = specs.split_losses("dice,cldice,mcc,topk,dicece")
    assert [type(specs.build(run, "segment")[1]).__name__ for run in runs] == [
        "DiceLoss",
        "SoftClDiceLoss",
        "MCCLoss",
        "TopKCrossEntropyLoss",
        "DiceCELoss",
    ]
