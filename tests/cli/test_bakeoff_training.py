"""The bake-off's nets train: rare classes found, diagnostics that flag divergence, same seed same numbers.

A CI-sized version of the segment task (48 px images, 128 of them, 4 epochs of batch 8: 64 Adam
steps, so a rate of 1e-2 instead of the default run's 3e-3 over 128 steps) trains Dice and
cross-entropy once per module, on every backend.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest

from imagelosses.cli import bakeoff
from imagelosses.cli.main import main

README = Path(__file__).resolve().parents[2] / "README.md"
CI_SEGMENT = dict(size=48, count=128, test_count=16, epochs=4, batch_size=8, learning_rate=1e-2,
                  width=8)
RARE = ("disc", "ring")


def _run(args, folder, settings=None):
    """`main(["bakeoff", ...])` with the quick segment settings replaced; (code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        if settings is not None:
            patch.setitem(bakeoff.SETTINGS["quick"], "segment", settings)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["bakeoff", "--task", "segment", "--quick", *args, "--out", str(folder)])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def ci_run(tmp_path_factory):
    """The CI-sized segment bake-off of cross-entropy and Dice (both from logits)."""
    losses = ["ce", "dice"]
    folder = tmp_path_factory.mktemp("ci_segment")
    code, stdout, stderr = _run(["--losses", ",".join(losses), "--seed", "0"], folder, CI_SEGMENT)
    assert code == 0, stderr[-3000:]
    (segment,) = json.loads((folder / "metrics.json").read_text())["results"]
    return segment, stdout


def _means(segment) -> dict:
    return {s["loss"]: s["mean"] for s in segment["losses"]}


@pytest.mark.parametrize("loss", ["dice", "ce"])
def test_dice_and_cross_entropy_from_logits_find_both_rare_classes(ci_run, loss):
    segment, _ = ci_run
    for name in RARE:
        assert _means(segment)[loss][f"IoU {name}"] > 0.5, (loss, name, _means(segment)[loss])


def test_default_runs_are_not_flagged(ci_run):
    segment, stdout = ci_run
    assert segment["warnings"] == []
    for run in segment["runs"]:
        assert not run["diagnostics"]["diverged"] and run["diagnostics"]["never_predicted"] == []
        assert run["diagnostics"]["max_abs_output"] < bakeoff.LOGIT_LIMIT
    assert "diagnostics: no run diverged" in stdout and "WARNING" not in stdout


def test_a_run_forced_to_diverge_is_flagged_by_name(tmp_path):
    # Adam at 1e4: one step moves every weight by ~1e4, so the logits leave any sane range.
    code, stdout, stderr = _run(["--losses", "ce", "--learning-rate", "1e4"], tmp_path)
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
        code, _, stderr = _run(["--losses", "dice", "--seed", "5"], tmp_path / name, small)
        assert code == 0, stderr[-3000:]
        (segment,) = json.loads((tmp_path / name / "metrics.json").read_text())["results"]
        results.append([(r["metrics"], r["diagnostics"]) for r in segment["runs"]])
    assert results[0] == results[1]
