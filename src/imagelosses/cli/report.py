"""The bake-off report: PNG figures (matplotlib), `report.html` and `metrics.json`.

`report.html` embeds every figure as base64 (it opens offline, on its own) and links the same PNG
files in `figures/`, which sit next to it.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import textwrap

import numpy as np

SEG_COLOURS = ["#000000", "#ff3b30", "#34c6f4", "#ffd60a", "#30d158", "#bf5af2", "#ff9f0a"]
CROP = 96  # restoration examples show the centre crop of each held-out tile, in pixels


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _clean(value):
    """JSON-safe: NaN/inf become null, numpy scalars become Python numbers."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _crop_window(truth: np.ndarray) -> tuple[slice, slice]:
    """The CROP x CROP window of `truth` with the most edge detail (largest summed |gradient|)."""
    h, w = truth.shape[:2]
    if h <= CROP and w <= CROP:
        return slice(None), slice(None)
    gy, gx = np.gradient(truth.astype(np.float64))
    energy = np.abs(gy) + np.abs(gx)
    step = max(1, CROP // 4)
    best = max((energy[t:t + CROP, l:l + CROP].sum(), t, l)
                for t in range(0, h - CROP + 1, step) for l in range(0, w - CROP + 1, step))
    return slice(best[1], best[1] + CROP), slice(best[2], best[2] + CROP)


def examples_figure(result: dict, path: str):
    """Rows: held-out examples; columns: input, truth, then the prediction of each loss."""
    plt = _pyplot()
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    examples = result["_examples"]
    columns = ["input", "truth"] + [run["loss"] for run in result["runs"]]
    n_rows = len(examples["input"])
    segment = result["task"] == "segment"
    k = len(result["data"]["classes"]) if segment else 0
    cmap = ListedColormap((SEG_COLOURS * 5)[:k]) if segment else "gray"
    fig, axes = plt.subplots(n_rows, len(columns), figsize=(1.9 * len(columns), 2.1 * n_rows + 0.6),
                             squeeze=False)
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
        handles = [Patch(color=SEG_COLOURS[i % len(SEG_COLOURS)], label=n)
                   for i, n in enumerate(result["data"]["classes"])]
        fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8, frameon=False)
        title = "Segmentation: held-out images, true labels and each loss's predicted labels"
    else:
        title = (f"Restoration: held-out {CROP}x{CROP} px crops; input = blurred + noisy, "
                 "intensities 0 (black) to 1 (white)")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.05 if segment else 0, 1, 0.97))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def curves_figure(result: dict, path: str):
    """Left: training loss relative to its first epoch; right: the held-out score per epoch."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    curve_key = [k for k in result["runs"][0]["history"] if k != "loss"][0]
    for run in result["runs"]:
        losses = np.asarray(run["history"]["loss"], np.float64)
        epochs = np.arange(1, len(losses) + 1)
        first = losses[0] if losses[0] != 0 else 1.0
        left.plot(epochs, losses / first, marker="o", ms=3, label=run["loss"])
        right.plot(epochs, run["history"][curve_key], marker="o", ms=3, label=run["loss"])
    left.set_yscale("log")
    left.set_xlabel("epoch")
    left.set_ylabel("training loss / loss after epoch 1")
    left.set_title("Training loss (each relative to its epoch-1 value)", fontsize=10)
    unit = f" ({result['curve']['unit']})" if result["curve"]["unit"] else ""
    right.set_xlabel("epoch")
    right.set_ylabel(result["curve"]["name"] + unit)
    right.set_title(f"{result['curve']['name']}{unit} after each epoch", fontsize=10)
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
    right.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def bars_figure(result: dict, path: str, best):
    """One panel per metric: a bar per loss, the best in a darker colour, input baseline dashed."""
    plt = _pyplot()
    metrics = result["metrics"]
    columns = min(len(metrics), 4)
    rows = math.ceil(len(metrics) / columns)
    names = [run["loss"] for run in result["runs"]]
    fig, axes = plt.subplots(rows, columns, figsize=(3.6 * columns, 0.35 * len(names) * rows + 1.6),
                             squeeze=False)
    for ax in axes.flat[len(metrics):]:
        ax.axis("off")
    for ax, metric in zip(axes.flat, metrics):
        values = [run["metrics"].get(metric["name"]) for run in result["runs"]]
        shown = [np.nan if v is None else v for v in values]
        b = best(result, metric)
        colours = ["#1f5fa8" if i == b else "#9bbbe0" for i in range(len(names))]
        y = np.arange(len(names))
        ax.barh(y, shown, color=colours)
        ax.set_yticks(y)
        ax.set_yticklabels(names, fontsize=8)
        ax.invert_yaxis()
        finite = [v for v in shown if np.isfinite(v)]
        if finite:
            low, high = min(finite), max(finite)
            base = result.get("baseline", {}).get("metrics", {}).get(metric["name"])
            if base is not None:
                ax.axvline(base, color="#c0392b", ls="--", lw=1)
                low, high = min(low, base), max(high, base)
            span = (high - low) or abs(high) or 1.0
            ax.set_xlim(max(0.0, low - 0.25 * span) if low >= 0 else low - 0.25 * span,
                        high + 0.35 * span)
        for i, v in enumerate(shown):
            if np.isfinite(v):
                ax.text(v, i, f" {v:.3f}", va="center", fontsize=7)
        unit = f" ({metric['unit']})" if metric["unit"] else ""
        arrow = "higher is better" if metric["higher_is_better"] else "lower is better"
        ax.set_xlabel(textwrap.fill(f"{metric['name']}{unit}: {metric['description']}", 44)
                      if metric.get("description") else f"{metric['name']}{unit}", fontsize=8)
        ax.set_title(f"{metric['name']}: {arrow}", fontsize=9)
    baseline = ("; red dashes: the degraded input, without a net" if "baseline" in result else "")
    fig.suptitle(f"{result['task'].capitalize()}: held-out scores per loss (best in dark blue"
                 f"{baseline}; axes zoomed to the values)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _img(folder: str, relative: str, alt: str) -> str:
    with open(os.path.join(folder, relative), "rb") as f:
        encoded = base64.b64encode(f.read()).decode("ascii")
    return (f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{encoded}">'
            f'<figcaption>{html.escape(alt)} (<a href="{relative}">{relative}</a>)</figcaption>'
            "</figure>")


def _table(result: dict, best) -> str:
    metrics = result["metrics"]
    marks = [best(result, m) for m in metrics]
    head = "".join(f"<th>{html.escape(m['name'])}{' (' + m['unit'] + ')' if m['unit'] else ''} "
                   f"{'&uarr;' if m['higher_is_better'] else '&darr;'}</th>" for m in metrics)
    rows = []
    runs = result["runs"] + ([result["baseline"]] if "baseline" in result else [])
    for i, run in enumerate(runs):
        cells = []
        for m, b in zip(metrics, marks):
            v = run["metrics"].get(m["name"])
            text = "n/a" if v is None or not np.isfinite(v) else f"{v:.4f}"
            cells.append(f"<td><b>{text}</b></td>" if b == i else f"<td>{text}</td>")
        seconds = f"{run['train_seconds']:.1f}" if "train_seconds" in run else "-"
        rows.append(f"<tr><td>{html.escape(run['loss'])}</td>{''.join(cells)}<td>{seconds}</td></tr>")
    notes = "".join(f"<li><b>{html.escape(m['name'])}</b>: {html.escape(m['description'])}</li>"
                    for m in metrics if m.get("description"))
    return (f"<table><tr><th>loss</th>{head}<th>train s</th></tr>{''.join(rows)}</table>"
            "<p class=note>Held-out data; best per column in bold; &uarr; higher is better, "
            f"&darr; lower is better; train s: training seconds.</p><ul class=note>{notes}</ul>")


STYLE = """body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}th{background:#f0f3f8}figure{margin:1em 0}
img{max-width:100%;border:1px solid #ddd}.note{color:#666;font-size:90%}code{background:#f4f4f4}"""


def write(folder: str, info: dict, results: list[dict]) -> dict:
    """Write figures, `metrics.json` and `report.html` into `folder`; return their paths."""
    from imagelosses.cli.bakeoff import best_index

    os.makedirs(os.path.join(folder, "figures"), exist_ok=True)
    sections = []
    for result in results:
        task = result["task"]
        figures = []
        for kind, draw, alt in (
            ("examples", examples_figure, f"{task}: input, truth and prediction per loss"),
            ("curves", curves_figure, f"{task}: training curves"),
            ("metrics", lambda r, p: bars_figure(r, p, best_index), f"{task}: held-out scores"),
        ):
            relative = f"figures/{task}_{kind}.png"
            draw(result, os.path.join(folder, relative))
            result.setdefault("figures", []).append(relative)
            figures.append(_img(folder, relative, alt))
        description = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>"
                              for k, v in result["data"].items())
        sections.append(f"<h2>{task.capitalize()}</h2>{_table(result, best_index)}"
                        f"{''.join(figures)}<details><summary>data</summary><table>{description}"
                        "</table></details>")
    payload = _clean(dict(settings=info, results=results))
    json_path = os.path.join(folder, "metrics.json")
    with open(json_path, "w") as f:
        json.dump(payload, f, indent=2, allow_nan=False)
    settings = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>"
                       for k, v in info.items())
    page = (f"<!doctype html><html><head><meta charset=utf-8><title>imagelosses bake-off</title>"
            f"<style>{STYLE}</style></head><body><h1>imagelosses bake-off</h1>"
            f"<p><code>{html.escape(info['command'])}</code> on the {html.escape(info['backend'])} "
            f"backend, {info['seconds']} s. Every number is also in "
            f"<a href=\"metrics.json\">metrics.json</a>.</p>{''.join(sections)}"
            f"<h2>Settings</h2><table>{settings}</table></body></html>")
    html_path = os.path.join(folder, "report.html")
    with open(html_path, "w") as f:
        f.write(page)
    return {"html": html_path, "json": json_path}
