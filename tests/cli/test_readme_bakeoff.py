"""The README's bake-off section says only what its numbers support.

Each claim is a sentence quoted from the README with a check: claims about the README's table are
checked against that table (parsed from the README itself, so an edit of either is caught), and
the claims that must hold on any run are also checked on a CI-sized run's metrics.json (`ci_run`
in tests/cli/conftest.py, shared with test_bakeoff_training.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli.conftest import RARE

README = Path(__file__).resolve().parents[2] / "README.md"
CELL = re.compile(r"^(?P<mean>-?[\d.]+|n/a)(?: ± (?P<std>[\d.]+))?(?: (?P<mark>[*=]))?$")


def _section() -> str:
    text = README.read_text()
    start = text.index("## The bake-off")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def _sentences() -> str:
    return " ".join(_section().split())


def readme_tables() -> dict:
    """{task: {loss: {column: (mean, std, mark)}}} from the README's printed bake-off tables."""
    tables: dict = {}
    for block in re.findall(r"```text\n(.*?)```", _section(), flags=re.S):
        task = None
        lines = block.splitlines()
        for i, line in enumerate(lines):
            match = re.match(r"^(restore|segment) \(held-out", line)
            if match:
                task = match.group(1)
                tables.setdefault(task, {})
            elif task and i + 1 < len(lines) and set(lines[i + 1].replace(" ", "")) == {"-"}:
                header = re.split(r"\s{2,}", line.strip())
                for row in lines[i + 2 :]:
                    if not row.strip() or row.startswith(("diagnostics", "WARNING")):
                        break
                    cells = re.split(r"\s{2,}", row.strip())
                    entry = tables[task].setdefault(cells[0].rstrip(" !"), {})
                    for name, cell in zip(header[1:], cells[1:]):
                        found = CELL.match(cell)
                        if found and name.endswith((" ^", " v")):  # a score, not seconds
                            mean = None if found["mean"] == "n/a" else float(found["mean"])
                            std = float(found["std"]) if found["std"] else 0.0
                            entry[name] = (mean, std, found["mark"])
    return tables


def _column(table: dict, metric: str) -> dict:
    """{loss: (mean, std, mark)} of the column whose header starts with `metric`."""
    out = {}
    for loss, row in table.items():
        for name, value in row.items():
            if name.rsplit(" ", 1)[0] == metric or name.startswith(metric + " ("):
                out[loss] = value
    return out


def _losses(table: dict) -> list[str]:
    return [loss for loss in table if loss != "input (no net)"]


def test_the_section_quotes_a_three_seed_run_with_its_command():
    section = _section()
    assert "imagelosses bakeoff --seeds 3" in section
    tables = readme_tables()
    assert set(tables) == {"restore", "segment"}
    assert "mean ± std over 3 seeds" in section


def test_marks_in_the_readme_table_follow_the_rule():
    """A `*` beats the runner-up by more than the sum of their stds; `=` lies within it."""
    for task, table in readme_tables().items():
        metrics = {name.rsplit(" ", 1)[0] for row in table.values() for name in row}
        for metric in metrics:
            column = {k: v for k, v in _column(table, metric).items() if k in _losses(table)}
            higher = next(
                name for name in table[next(iter(column))] if name.rsplit(" ", 1)[0] == metric
            ).endswith("^")
            ranked = sorted(column.items(), key=lambda kv: -kv[1][0] if higher else kv[1][0])
            (top, (m0, s0, mark0)), (_, (m1, s1, _)) = ranked[0], ranked[1]
            # The table prints 4 decimals: a gap within 2e-4 of the margin may round either way.
            if mark0 == "*":
                assert abs(m0 - m1) > max(s0 + s1, 1e-4) - 2e-4, (task, metric)
            else:
                assert mark0 == "=", (task, metric, top)
                for loss, (m, s, mark) in ranked[1:]:
                    margin = max(s0 + s, 1e-4)
                    if abs(abs(m0 - m) - margin) > 2e-4:
                        assert (mark == "=") == (abs(m0 - m) <= margin), (task, metric, loss)


CLAIM_EVERY_LOSS = (
    "every default segmentation loss finds both rare classes: held-out IoU above 0.5 on disc and on ring"
)
CLAIM_NO_WARNING = "no run diverged and every run predicted every class"


def test_claim_every_default_loss_finds_both_rare_classes():
    assert CLAIM_EVERY_LOSS in _sentences()
    table = readme_tables()["segment"]
    for loss in _losses(table):
        for name in RARE:
            assert _column(table, f"IoU {name}")[loss][0] > 0.5, (loss, name)


def test_claim_no_warning_in_the_readme_run():
    assert CLAIM_NO_WARNING in _sentences()
    printed = "".join(re.findall(r"```text\n(.*?)```", _section(), flags=re.S))
    assert not re.search(r"^WARNING ", printed, flags=re.M)
    assert printed.count("diagnostics: no run diverged") == 2


@pytest.mark.xdist_group("ci_run")  # one computation of the session fixture
@pytest.mark.parametrize("loss", ["ce", "dice"])
def test_claims_hold_on_a_ci_sized_run(ci_run, loss):
    segment, stdout = ci_run
    assert CLAIM_EVERY_LOSS in _sentences() and CLAIM_NO_WARNING in _sentences()
    summary = next(s for s in segment["losses"] if s["loss"] == loss)
    for name in RARE:
        assert summary["mean"][f"IoU {name}"] > 0.5
    assert summary["warnings"] == []
