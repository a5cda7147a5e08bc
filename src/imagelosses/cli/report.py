"""The bake-off report: the printed summary, PNG figures (matplotlib), `report.html`, `metrics.json`.

Everything here reads the objects of `results.py`. `report.html` embeds every figure as base64 (it
opens offline, on its own) and links the same PNG files in `figures/`, which sit next to it.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import textwrap

import numpy as np

from imagelosses.cli._common import fmt, text_table
from imagelosses.cli.results import Bakeoff, TaskResult

SEG_COLOURS = ["#000000", "#ff3b30", "#34c6f4", "#ffd60a", "#30d158", "#bf5af2", "#ff9f0a"]
CROP = 96  # restoration examples show the centre crop of each held-out tile, in pixels


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _crop_window(truth: np.ndarray) -> tuple[slice, slice]:
    """The CROP x CROP window of `truth` with the most edge detail (largest summed |gradient|)."""
    h, w = truth.shape[:2]
    if h <= CROP and w <= CROP:
        return slice(None), slice(None)
    gy, gx = np.gradient(truth.astype(np.float64))
    energy = np.abs(gy) + np.abs(gx)
    step = max(1, CROP // 4)
    best = max(
        (energy[t : t + CROP, l : l + CROP].sum(), t, l)
        for t in range(0, h - CROP + 1, step)
        for l in range(0, w - CROP + 1, step)
    )
    return slice(best[1], best[1] + CROP), slice(best[2], best[2] + CROP)


def examples_figure(result: TaskResult, path: str):
    """Rows: held-out examples (first seed); columns: input, truth, each loss's prediction."""
    plt = _pyplot()
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    examples = result.examples
    columns = ["input", "truth"] + result.losses()
    n_rows = len(examples["input"])
    segment = result.task == "segment"
    k = len(result.data["classes"]) if segment else 0
    cmap = ListedColormap((SEG_COLOURS * 5)[:k]) if segment else "gray"
    fig, axes = plt.subplots(
        n_rows, len(columns), figsize=(1.9 * len(columns), 2.1 * n_rows + 0.6), squeeze=False
    )
    for row in range(n_rows):
        window = _crop_window(examples["truth"][row][..., 0]) if not segment else (slice(None),) * 2
        for col, name in enumerate(columns):
            ax = axes[row, col]
            image = examples[name][row][..., 0][window]
            if segment and name != "input":
                ax.imshow(image, cmap=cmap, vmin=-0.5, vmax=k - 0.5, interpolation="nearest")
            else:
                ax.imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(textwrap.fill(name, 18), fontsize=9)
    if segment:
        handles = [
            Patch(color=SEG_COLOURS[i % len(SEG_COLOURS)], label=n)
            for i, n in enumerate(result.data["classes"])
        ]
        fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8, frameon=False)
        title = (
            "Segmentation: held-out images, true labels and each loss's predicted labels"
            f" (seed {result.seeds[0]})"
        )
    else:
        title = (
            f"Restoration: held-out {CROP}x{CROP} px crops; input = blurred + noisy, "
            f"intensities 0 (black) to 1 (white) (seed {result.seeds[0]})"
        )
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.05 if segment else 0, 1, 0.97))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _stack(rows) -> np.ndarray:
    """Per-seed curves of possibly different lengths (a run stopped on NaN) as one NaN-padded array."""
    length = max(len(r) for r in rows)
    out = np.full((len(rows), length), np.nan)
    for i, r in enumerate(rows):
        out[i, : len(r)] = np.asarray(r, np.float64)
    return out


def _band(ax, curves: np.ndarray, label: str):
    """The mean over seeds as a line, mean +- std as a shaded band (no band for one seed)."""
    epochs = np.arange(1, curves.shape[1] + 1)
    with np.errstate(all="ignore"):
        mean = np.nanmean(curves, 0)
        std = np.nanstd(curves, 0, ddof=1) if len(curves) > 1 else None
    (line,) = ax.plot(epochs, mean, marker="o", ms=3, label=label)
    if std is not None:
        ax.fill_between(epochs, mean - std, mean + std, color=line.get_color(), alpha=0.2, lw=0)


def curves_figure(result: TaskResult, path: str):
    """Left: training loss relative to its first epoch; right: the held-out score per epoch."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    for loss in result.losses():
        runs = result.runs_of(loss)
        losses = _stack([r.history["loss"] for r in runs])
        first = np.where(np.isfinite(losses[:, :1]) & (losses[:, :1] != 0), losses[:, :1], 1.0)
        _band(left, np.abs(losses / first), loss)
        _band(right, _stack([r.history["heldout"] for r in runs]), loss)
    spread = f"; mean over {len(result.seeds)} seeds, band: +- 1 std" if len(result.seeds) > 1 else ""
    left.set_yscale("log")
    left.set_xlabel("epoch")
    left.set_ylabel("training loss / loss after epoch 1")
    left.set_title(f"Training loss (each relative to its epoch-1 value){spread}", fontsize=9)
    unit = f" ({result.curve['unit']})" if result.curve["unit"] else ""
    right.set_xlabel("epoch")
    right.set_ylabel(result.curve["name"] + unit)
    right.set_title(f"{result.curve['name']}{unit} after each epoch{spread}", fontsize=9)
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
    right.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def bars_figure(result: TaskResult, path: str):
    """One panel per metric: the mean per loss with +- std whiskers; best dark, tied medium."""
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    metrics = result.metrics
    summaries, verdicts = result.summaries(), result.verdicts()
    columns = min(len(metrics), 4)
    rows = math.ceil(len(metrics) / columns)
    names = [s.loss for s in summaries]
    fig, axes = plt.subplots(
        rows, columns, figsize=(3.6 * columns, 0.35 * len(names) * rows + 1.6), squeeze=False
    )
    for ax in axes.flat[len(metrics) :]:
        ax.axis("off")
    baseline = result.baseline_summary()
    for ax, metric, verdict in zip(axes.flat, metrics, verdicts):
        shown = np.array([np.nan if s.mean[metric.name] is None else s.mean[metric.name] for s in summaries])
        spread = np.array([0.0 if s.std[metric.name] is None else s.std[metric.name] for s in summaries])
        colours = [{"*": "#1f5fa8", "=": "#5b8fd0"}.get(verdict.mark(n), "#b9cde8") for n in names]
        y = np.arange(len(names))
        ax.barh(
            y,
            np.nan_to_num(shown),
            color=colours,
            xerr=spread if len(result.seeds) > 1 else None,
            ecolor="#333",
            capsize=2,
        )
        ax.set_yticks(y)
        ax.set_yticklabels(names, fontsize=8)
        ax.invert_yaxis()
        finite = np.isfinite(shown)
        if finite.any():
            low = float(np.min(shown[finite] - spread[finite]))
            high = float(np.max(shown[finite] + spread[finite]))
            base = baseline.mean.get(metric.name) if baseline else None
            if base is not None:
                ax.axvline(base, color="#c0392b", ls="--", lw=1)
                low, high = min(low, base), max(high, base)
            span = (high - low) or abs(high) or 1.0
            ax.set_xlim(max(0.0, low - 0.15 * span) if low >= 0 else low - 0.15 * span, high + 0.4 * span)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.tick_params(axis="x", labelsize=7)
        for i, v in enumerate(shown):
            if np.isfinite(v):
                ax.text(v + spread[i], i, f" {v:.3f}", va="center", fontsize=7)
        arrow = "higher is better" if metric.higher_is_better else "lower is better"
        ax.set_xlabel(textwrap.fill(f"{metric.header(False)}: {metric.description}", 44), fontsize=8)
        ax.set_title(f"{metric.name}: {arrow}", fontsize=9)
    seeds = f"mean +- std over {len(result.seeds)} seeds; " if len(result.seeds) > 1 else ""
    base_note = "; red dashes: the degraded input, without a net" if baseline else ""
    fig.suptitle(
        f"{result.task.capitalize()}: held-out scores per loss ({seeds}best in dark blue, "
        f"ties in mid blue{base_note}; axes zoomed)",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _img(folder: str, relative: str, alt: str) -> str:
    with open(os.path.join(folder, relative), "rb") as f:
        encoded = base64.b64encode(f.read()).decode("ascii")
    return (
        f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{encoded}">'
        f'<figcaption>{html.escape(alt)} (<a href="{relative}">{relative}</a>)</figcaption>'
        "</figure>"
    )


# ------------------------------------------------------------------------------- tables
MARKS = "* best (beats the runner-up by more than the sum of their stds), = tied for best"
COLUMNS = 4  # metric columns per printed table (IoU, Dice, HD95 blocks); wider tasks print several


def _cell(summary, name: str, seeds: int, mark: str = "") -> str:
    mean, std = summary.mean.get(name), summary.std.get(name)
    text = fmt(mean) if seeds == 1 or mean is None else f"{fmt(mean)} ± {fmt(std)}"
    return text + (f" {mark}" if mark else "  ")


def legend(result: TaskResult) -> str:
    n = len(result.seeds)
    seeds = (
        f"mean ± std over {n} seeds ({', '.join(map(str, result.seeds))})"
        if n > 1
        else f"seed {result.seeds[0]}, one run: no spread measured"
    )
    return f"{result.task} (held-out; {seeds}; ^ higher is better, v lower is better; {MARKS}):"


def diagnostics_line(result: TaskResult) -> str:
    """One sentence on the runs' diagnostics: every warning, or that there is none."""
    warnings = result.warnings()
    output = "logit" if result.task == "segment" else "output"
    limit = result.runs[0].diagnostics.limit if result.runs else 0
    if warnings:
        return "\n".join(f"WARNING {w}" for w in warnings)
    largest = max((r.diagnostics.max_abs_output for r in result.runs), default=0.0)
    classes = (
        " and every run predicted every class of the held-out labels" if result.task == "segment" else ""
    )
    return (
        f"diagnostics: no run diverged (largest |{output}| reached: {largest:.3g}, limit {limit:g}){classes}."
    )


def text_summary(result: TaskResult) -> str:
    """The printed tables (mean ± std per loss, the best or the tie marked) and the diagnostics."""
    summaries, verdicts, n = result.summaries(), result.verdicts(), len(result.seeds)
    baseline = result.baseline_summary()
    output = "logit" if result.task == "segment" else "output"
    blocks = [legend(result)]
    chunks = [
        list(range(i, min(i + COLUMNS, len(result.metrics)))) for i in range(0, len(result.metrics), COLUMNS)
    ]
    for c_index, chunk in enumerate(chunks):
        last = c_index == len(chunks) - 1
        header = ["loss"] + [result.metrics[i].header() for i in chunk]
        header += [f"max |{output}|", "train s"] if last else []
        rows = []
        for s in summaries:
            cells = [s.loss] + [_cell(s, result.metrics[i].name, n, verdicts[i].mark(s.loss)) for i in chunk]
            if last:
                cells += [f"{s.max_abs_output:.3g}", f"{s.train_seconds:.1f}"]
            if last and s.warnings:
                cells[0] += " !"
            rows.append(cells)
        if baseline is not None:
            rows.append(
                [baseline.loss]
                + [_cell(baseline, result.metrics[i].name, n) for i in chunk]
                + (["-", "-"] if last else [])
            )
        blocks.append(text_table(header, rows))
    blocks.append(diagnostics_line(result))
    return "\n\n".join(blocks[:1]) + "\n" + "\n\n".join(blocks[1:])


def _html_table(result: TaskResult) -> str:
    summaries, verdicts, n = result.summaries(), result.verdicts(), len(result.seeds)
    output = "logit" if result.task == "segment" else "output"
    head = "".join(
        f"<th>{html.escape(m.header(False))} {'&uarr;' if m.higher_is_better else '&darr;'}</th>"
        for m in result.metrics
    )
    rows = []
    baseline = result.baseline_summary()
    for s in summaries + ([baseline] if baseline else []):
        cells = []
        for m, v in zip(result.metrics, verdicts):
            mark = v.mark(s.loss)
            text = html.escape(_cell(s, m.name, n).strip())
            cells.append(
                f"<td><b>{text}</b></td>"
                if mark == "*"
                else f"<td><i>{text} =</i></td>"
                if mark == "="
                else f"<td>{text}</td>"
            )
        extra = (
            "<td>-</td><td>-</td>"
            if s is baseline
            else f"<td>{s.max_abs_output:.3g}</td><td>{s.train_seconds:.1f}</td>"
        )
        rows.append(f"<tr><td>{html.escape(s.loss)}</td>{''.join(cells)}{extra}</tr>")
        for warning in [] if s is baseline else s.warnings:
            rows.append(
                f"<tr class=warn><td colspan={len(result.metrics) + 3}>WARNING "
                f"{html.escape(warning)}</td></tr>"
            )
    notes = "".join(
        f"<li><b>{html.escape(m.name)}</b>: {html.escape(m.description)}</li>" for m in result.metrics
    )
    return (
        f"<table><tr><th>loss</th>{head}<th>max |{output}|</th><th>train s</th></tr>"
        f"{''.join(rows)}</table><p class=note>{html.escape(legend(result))} Best in bold, "
        f"ties in italics with =. max |{output}|: the largest absolute {output} on held-out "
        "data after any epoch, over the seeds; train s: mean training seconds.</p>"
        f"<p class=note>{html.escape(diagnostics_line(result))}</p><ul class=note>{notes}</ul>"
    )


STYLE = """body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}th{background:#f0f3f8}figure{margin:1em 0}
img{max-width:100%;border:1px solid #ddd}.note{color:#666;font-size:90%}code{background:#f4f4f4}
tr.warn td{background:#fde2e1;color:#8a1c14;text-align:left}"""


def write(folder: str, bakeoff: Bakeoff) -> dict:
    """Write figures, `metrics.json` and `report.html` into `folder`; return their paths."""
    os.makedirs(os.path.join(folder, "figures"), exist_ok=True)
    sections = []
    for result in bakeoff.results:
        task = result.task
        figures = []
        for kind, draw, alt in (
            ("examples", examples_figure, f"{task}: input, truth and prediction per loss"),
            ("curves", curves_figure, f"{task}: training curves"),
            ("metrics", bars_figure, f"{task}: held-out scores"),
        ):
            relative = f"figures/{task}_{kind}.png"
            draw(result, os.path.join(folder, relative))
            result.figures.append(relative)
            figures.append(_img(folder, relative, alt))
        description = "".join(
            f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>"
            for k, v in result.data.items()
        )
        sections.append(
            f"<h2>{task.capitalize()}</h2>{_html_table(result)}"
            f"{''.join(figures)}<details><summary>data (seed {result.seeds[0]})"
            f"</summary><table>{description}</table></details>"
        )
    json_path = os.path.join(folder, "metrics.json")
    with open(json_path, "w") as f:
        json.dump(bakeoff.to_json(), f, indent=2, allow_nan=False)
    info = bakeoff.settings
    settings = "".join(
        f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>" for k, v in info.items()
    )
    page = (
        f"<!doctype html><html><head><meta charset=utf-8><title>imagelosses bake-off</title>"
        f"<style>{STYLE}</style></head><body><h1>imagelosses bake-off</h1>"
        f"<p><code>{html.escape(info['command'])}</code> on the {html.escape(info['backend'])} "
        f"backend, {info['seconds']} s. Every number is also in "
        f'<a href="metrics.json">metrics.json</a>.</p>{"".join(sections)}'
        f"<h2>Settings</h2><table>{settings}</table></body></html>"
    )
    html_path = os.path.join(folder, "report.html")
    with open(html_path, "w") as f:
        f.write(page)
    return {"html": html_path, "json": json_path}
