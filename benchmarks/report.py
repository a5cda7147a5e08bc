"""Merges benchmarks/results/*.json into one markdown table and a time-against-pixels plot.

Run: `python -m benchmarks.report benchmarks/results` (what `make bench` does last). Writes
`results/table.md` and `results/scaling.png`, and prints the table.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def load(folder: Path):
    rows = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text())
        env = data["environment"]
        for row in data["results"]:
            rows.append({**row, "backend": env["backend"], "device": env["device"]})
    return rows


def table(rows) -> str:
    lines = [
        "| case | backend | size | implementation | forward ms | fwd+bwd ms (p10-p90) | vs fastest peer |",
        "|---|---|---|---|---|---|---|",
    ]
    groups = {}
    for row in rows:
        groups.setdefault((row["case"], row["backend"], row["size"]), []).append(row)
    for (case, backend, size), group in sorted(groups.items()):
        ours = next((r for r in group if r["implementation"] == "imagelosses"), None)
        peers = [r for r in group if r["implementation"] != "imagelosses"]
        fastest = min((r["forward_backward"]["median_ms"] for r in peers), default=None)
        for row in sorted(group, key=lambda r: r["forward_backward"]["median_ms"]):
            fb = row["forward_backward"]
            ratio = ""
            if row is ours and fastest:
                ratio = f"{fb['median_ms'] / fastest:.2f}x"
            lines.append(
                f"| {case} | {backend} | {size} | {row['implementation']} | "
                f"{row['forward']['median_ms']:.2f} | {fb['median_ms']:.2f} "
                f"({fb['p10_ms']:.2f}-{fb['p90_ms']:.2f}) | {ratio} |"
            )
    return "\n".join(lines)


def plot(rows, path: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cases = sorted({r["case"] for r in rows})
    fig, axes = plt.subplots(1, len(cases), figsize=(4.5 * len(cases), 4), squeeze=False)
    for ax, case in zip(axes[0], cases):
        series = {}
        for r in rows:
            if r["case"] == case:
                pixels = 1
                for d in r["shape"][1:-1]:
                    pixels *= d
                key = f"{r['implementation']} ({r['backend']})"
                series.setdefault(key, []).append((pixels, r["forward_backward"]["median_ms"]))
        for key, points in sorted(series.items()):
            points.sort()
            style = "-o" if key.startswith("imagelosses") else "--x"
            ax.loglog([p for p, _ in points], [t for _, t in points], style, label=key, markersize=4)
        ax.set_title(case)
        ax.set_xlabel("pixels per image (voxels for volumes)")
        ax.set_ylabel("forward+backward median (ms)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(folder="benchmarks/results"):
    folder = Path(folder)
    rows = load(folder)
    text = table(rows)
    (folder / "table.md").write_text(text + "\n")
    plot(rows, folder / "scaling.png")
    print(text)


if __name__ == "__main__":
    main(*sys.argv[1:])
