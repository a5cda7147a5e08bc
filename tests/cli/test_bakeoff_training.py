"""The bake-off's nets train: rare classes found, diagnostics that flag divergence, same seed same numbers.

`ci_run` (tests/cli/conftest.py) is a CI-sized segment bake-off of Dice and cross-entropy, run
once per session on every backend.
"""

from __future__ import annotations

import io
import json
import re

import keras
import numpy as np
import pytest

from imagelosses.cli import bakeoff, train
from tests.cli.conftest import CI_SEGMENT, RARE, run_segment_bakeoff


def _means(segment) -> dict:
    return {s["loss"]: s["mean"] for s in segment["losses"]}


@pytest.mark.xdist_group("ci_run")  # one computation of the session fixture
@pytest.mark.parametrize("loss", ["dice", "ce"])
def test_dice_and_cross_entropy_from_logits_find_both_rare_classes(ci_run, loss):
    segment, _ = ci_run
    for name in RARE:
        assert _means(segment)[loss][f"IoU {name}"] > 0.5, (loss, name, _means(segment)[loss])


@pytest.mark.xdist_group("ci_run")  # one computation of the session fixture
def test_default_runs_are_not_flagged(ci_run):
    segment, stdout = ci_run
    assert segment["warnings"] == []
    for run in segment["runs"]:
        assert not run["diagnostics"]["diverged"] and run["diagnostics"]["never_predicted"] == []
        assert run["diagnostics"]["max_abs_output"] < bakeoff.LOGIT_LIMIT
    assert "diagnostics: no run diverged" in stdout and "WARNING" not in stdout


def test_a_run_forced_to_diverge_is_flagged_by_name(tmp_path):
    # Adam at 1e4: one step moves every weight by ~1e4, so the logits leave any sane range.
    code, stdout, stderr = run_segment_bakeoff(["--losses", "ce", "--learning-rate", "1e4"], tmp_path)
    assert code == 0, stderr[-3000:]
    (segment,) = json.loads((tmp_path / "metrics.json").read_text())["results"]
    (run,) = segment["runs"]
    assert run["diagnostics"]["diverged"]
    assert any(w.startswith("segment ce seed 0: diverged") for w in segment["warnings"])
    assert "WARNING segment ce seed 0: diverged" in stdout
    page = (tmp_path / "report.html").read_text()
    assert re.search(r"<tr class=warn><td[^>]*>WARNING segment ce seed 0: diverged", page)


def test_same_seed_gives_the_same_segment_numbers(tmp_path):
    small = dict(CI_SEGMENT, count=16, test_count=4, epochs=1)
    results = []
    for name in ("one", "two"):
        code, _, stderr = run_segment_bakeoff(["--losses", "dice", "--seed", "5"], tmp_path / name, small)
        assert code == 0, stderr[-3000:]
        (segment,) = json.loads((tmp_path / name / "metrics.json").read_text())["results"]
        results.append([(r["metrics"], r["diagnostics"]) for r in segment["runs"]])
    assert results[0] == results[1]


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="the second trace, when the first step creates the optimizer's variables, is tf.function's",
)
def test_fit_traces_the_train_step_once(monkeypatch):
    # Without `train.build_optimizer`, Adam's moments are created inside the first step and
    # tf.function traces the step twice. More steps than EAGER_STEPS, so the run is a graph.
    traces = []
    step = keras.Model.train_step
    monkeypatch.setattr(keras.Model, "train_step", lambda self, data: (traces.append(1), step(self, data))[1])
    x = np.random.default_rng(0).random((32, 16, 16, 1)).astype("float32")
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    epochs = train.EAGER_STEPS // 2 + 1  # 2 steps an epoch
    train.fit(
        train.unet(2, width=4), loss, x, (x > 0.5).astype("int32"), epochs=epochs, batch_size=16,
        learning_rate=1e-3, label="trace", stream=io.StringIO(),
    )  # fmt: skip
    assert len(traces) == 1
