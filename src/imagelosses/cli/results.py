"""The bake-off's results: one schema for the printed table, `report.html` and `metrics.json`.

`bakeoff.py` builds these objects, `report.py` draws and writes them, and neither imports the
other. `metrics.json` is `Bakeoff.to_json()`:

    {"schema": SCHEMA,
     "settings": {"command", "tasks", "losses", "epochs", "seeds", "quick", "images", "masks",
                  "backend", "versions", "machine", "seconds"},
     "results": [one TaskResult.to_json() per task]}

and each task:

    {"task": "restore" | "segment",
     "data": the data of the first seed (source, sizes, classes and their pixel fractions, ...),
     "metrics": [{"name", "unit", "higher_is_better", "description"}],
     "curve": {"name", "unit"}  (the held-out score recorded after each epoch),
     "settings": sizes, epochs, optimiser; "extra": task-specific values (class weights of wce),
     "seeds": [0, 1, ...],
     "losses": [{"loss", "seeds", "mean": {metric: value}, "std": {metric: value},
                 "train_seconds", "max_abs_output", "warnings": [...]}],
     "verdicts": [{"metric", "best": loss or null, "tied": [losses]}],
     "baseline": a loss summary of the input without a net, or null,
     "runs": [{"loss", "seed", "metrics", "history": {"loss": [...], "heldout": [...]},
               "train_seconds", "diagnostics": {...}}],
     "warnings": ["<task> <loss> seed <s>: <what went wrong>", ...],
     "figures": ["figures/<task>_<kind>.png", ...]}

A score that cannot be computed (MS-SSIM of a small image, the score of an absent class) is null.
`std` is the sample standard deviation over seeds (n - 1 in the denominator); 0 for one seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

SCHEMA = "imagelosses.bakeoff/2"

# A best is named only when its mean beats the runner-up's by more than the sum of their
# standard deviations (the mean +- std intervals do not overlap) and by more than this.
RESOLUTION = 1e-4


def clean(value):
    """JSON-safe: NaN/inf become None, numpy scalars become Python numbers, tuples lists."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    higher_is_better: bool
    description: str

    def header(self, arrows: bool = True) -> str:
        unit = f" ({self.unit})" if self.unit else ""
        return f"{self.name}{unit}" + ((" ^" if self.higher_is_better else " v") if arrows else "")


@dataclass
class Diagnostics:
    """What a run's outputs did: the largest |output|, non-finite values, classes never predicted.

    `output` names what the net returns ("logits" or "image"); `limit` is the |output| beyond which
    the run counts as diverged; `never_predicted` lists the classes present in the held-out labels
    that the net predicted (argmax) at no pixel of the held-out data after any epoch.
    """

    output: str
    limit: float
    max_abs_output: float = 0.0
    finite: bool = True
    never_predicted: list[str] = field(default_factory=list)

    @property
    def diverged(self) -> bool:
        return not self.finite or not self.max_abs_output <= self.limit

    def problems(self) -> list[str]:
        found = []
        if not self.finite:
            found.append("diverged: a training loss or an output was not finite")
        elif self.max_abs_output > self.limit:
            found.append(
                f"diverged: largest |{self.output}| {self.max_abs_output:.3g} is beyond {self.limit:g}"
            )
        if self.never_predicted:
            names = ", ".join(repr(n) for n in self.never_predicted)
            found.append(f"never predicted class {names} on held-out data")
        return found

    def to_json(self) -> dict:
        return dict(
            output=self.output,
            limit=self.limit,
            max_abs_output=self.max_abs_output,
            finite=self.finite,
            diverged=self.diverged,
            never_predicted=list(self.never_predicted),
        )


@dataclass
class Run:
    """One loss trained from one seed, scored on that seed's held-out data."""

    loss: str
    seed: int
    metrics: dict
    history: dict  # "loss": training loss per epoch; "heldout": the curve's score per epoch
    train_seconds: float
    diagnostics: Diagnostics

    def to_json(self) -> dict:
        return dict(
            loss=self.loss,
            seed=self.seed,
            metrics=dict(self.metrics),
            history={k: list(v) for k, v in self.history.items()},
            train_seconds=round(self.train_seconds, 2),
            diagnostics=self.diagnostics.to_json(),
        )


@dataclass
class Summary:
    """One loss over every seed: the mean and standard deviation of each score."""

    loss: str
    seeds: int
    mean: dict
    std: dict
    train_seconds: float | None = None
    max_abs_output: float | None = None
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return dict(
            loss=self.loss,
            seeds=self.seeds,
            mean=self.mean,
            std=self.std,
            train_seconds=self.train_seconds,
            max_abs_output=self.max_abs_output,
            warnings=list(self.warnings),
        )


def mean_std(values) -> tuple[float | None, float | None]:
    """Mean and sample standard deviation of the finite values; (None, None) when there are none."""
    finite = [float(v) for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return None, None
    std = float(np.std(finite, ddof=1)) if len(finite) > 1 else 0.0
    return float(np.mean(finite)), std


def summarize(loss: str, metric_dicts: list[dict], names) -> Summary:
    stats = {name: mean_std([m.get(name) for m in metric_dicts]) for name in names}
    return Summary(
        loss, len(metric_dicts), {k: v[0] for k, v in stats.items()}, {k: v[1] for k, v in stats.items()}
    )


@dataclass
class Verdict:
    """Per metric: the best loss when it beats the runner-up beyond the spread, else the tie."""

    metric: str
    best: str | None
    tied: list[str]

    def mark(self, loss: str) -> str:
        if self.best == loss:
            return "*"
        return "=" if loss in self.tied else ""

    def to_json(self) -> dict:
        return dict(metric=self.metric, best=self.best, tied=list(self.tied))


def verdict(metric: Metric, summaries: list[Summary]) -> Verdict:
    """`best` when the top mean beats the runner-up by more than std_top + std_runner_up (and
    `RESOLUTION`); otherwise `tied` holds every loss whose mean is within that margin of the top."""
    scored = [s for s in summaries if s.mean.get(metric.name) is not None]
    if not scored:
        return Verdict(metric.name, None, [])
    sign = 1.0 if metric.higher_is_better else -1.0
    ranked = sorted(scored, key=lambda s: -sign * s.mean[metric.name])
    top = ranked[0]

    def margin(other: Summary) -> float:
        return max(top.std[metric.name] + other.std[metric.name], RESOLUTION)

    def gap(other: Summary) -> float:
        return sign * (top.mean[metric.name] - other.mean[metric.name])

    if len(ranked) == 1 or gap(ranked[1]) > margin(ranked[1]):
        return Verdict(metric.name, top.loss, [])
    return Verdict(metric.name, None, [s.loss for s in ranked if gap(s) <= margin(s)])


@dataclass
class TaskResult:
    """Every run of one task, with what is needed to summarise, draw and serialise them."""

    task: str
    data: dict
    metrics: list[Metric]
    curve: dict  # {"name", "unit"} of the held-out score recorded after each epoch
    settings: dict
    seeds: list[int]
    runs: list[Run] = field(default_factory=list)
    baseline: list[dict] = field(default_factory=list)  # the input's scores, one dict per seed
    extra: dict = field(default_factory=dict)
    figures: list[str] = field(default_factory=list)
    # Held-out arrays shown in the examples figure (first seed); never written to metrics.json.
    examples: dict = field(default_factory=dict, repr=False)

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.metrics]

    def losses(self) -> list[str]:
        return list(dict.fromkeys(run.loss for run in self.runs))

    def runs_of(self, loss: str) -> list[Run]:
        return [run for run in self.runs if run.loss == loss]

    def summaries(self) -> list[Summary]:
        out = []
        for loss in self.losses():
            runs = self.runs_of(loss)
            summary = summarize(loss, [r.metrics for r in runs], self.names)
            summary.train_seconds = float(np.mean([r.train_seconds for r in runs]))
            summary.max_abs_output = max(r.diagnostics.max_abs_output for r in runs)
            summary.warnings = [w for r in runs for w in self._run_warnings(r)]
            out.append(summary)
        return out

    def baseline_summary(self) -> Summary | None:
        if not self.baseline:
            return None
        return summarize("input (no net)", self.baseline, self.names)

    def verdicts(self) -> list[Verdict]:
        summaries = self.summaries()
        return [verdict(m, summaries) for m in self.metrics]

    def _run_warnings(self, run: Run) -> list[str]:
        return [f"{self.task} {run.loss} seed {run.seed}: {p}" for p in run.diagnostics.problems()]

    def warnings(self) -> list[str]:
        return [w for run in self.runs for w in self._run_warnings(run)]

    def to_json(self) -> dict:
        baseline = self.baseline_summary()
        return dict(
            task=self.task,
            data=self.data,
            metrics=[
                dict(name=m.name, unit=m.unit, higher_is_better=m.higher_is_better, description=m.description)
                for m in self.metrics
            ],
            curve=dict(self.curve),
            settings=dict(self.settings),
            extra=dict(self.extra),
            seeds=list(self.seeds),
            losses=[s.to_json() for s in self.summaries()],
            verdicts=[v.to_json() for v in self.verdicts()],
            baseline=baseline.to_json() if baseline else None,
            runs=[r.to_json() for r in self.runs],
            warnings=self.warnings(),
            figures=list(self.figures),
        )


@dataclass
class Bakeoff:
    """The whole command: its settings (command line, backend, versions, time) and each task."""

    settings: dict
    results: list[TaskResult]

    def to_json(self) -> dict:
        return clean(dict(schema=SCHEMA, settings=self.settings, results=[r.to_json() for r in self.results]))
