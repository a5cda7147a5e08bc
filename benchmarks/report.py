"""Merges benchmarks/results/*.json into one markdown table and time-against-pixels plots.

Run: `python -m benchmarks.report benchmarks/results` (what `make bench` does last). Writes
`results/table.md` and prints it; writes `results/scaling.png` (the ssim case: forward+backward
median against pixels per image, log-log, one panel per backend, imagelosses and its peers) and
`results/scaling-<case>.png` for every other case.

Table columns: case, size, backend (device), implementation, forward and forward+backward medians
with the forward+backward 10-90% spread, the ratio of our forward+backward median to the fastest
peer's on the same backend and size (< 1: imagelosses is faster), and peak MiB where the run could
measure it (see `benchmarks.harness.peak_bytes`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OURS = "imagelosses"


def load(folder: Path):
    rows = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text())
        env = data["environment"]
        for row in data["results"]:
            rows.append({**row, "backend": env["backend"], "device": env["device"]})
    return rows


def _timing(row) -> dict:
    """The row's forward+backward timing, or its forward one for forward-only rows (metrics)."""
    return row.get("forward_backward") or row["forward"]


def _ratio(row, group) -> str:
    """Our fwd+bwd median (forward for metrics) over the fastest peer's, on our row only."""
    peers = [_timing(r)["median_ms"] for r in group if r["implementation"] != OURS]
    if row["implementation"] != OURS or not peers:
        return ""
    ratio = f"{_timing(row)['median_ms'] / min(peers):.2f}"
    return ratio if row.get("forward_backward") else f"{ratio} (forward)"


def _group_order(item):
    """Case, then sizes in numeric order (sides) before shape labels ("4x256x256"), then backend."""
    (case, size, backend, device), _ = item
    if isinstance(size, int):
        return (case, (0, size, ""), backend, device)
    elements = 1
    for d in str(size).split("x"):
        elements *= int(d) if d.isdigit() else 1
    return (case, (1, elements, str(size)), backend, device)


def table(rows) -> str:
    with_memory = any(r.get("peak_bytes") is not None for r in rows)
    header = [
        "case",
        "size",
        "backend",
        "implementation",
        "forward ms",
        "fwd+bwd ms (p10-p90)",
        "fwd+bwd / fastest peer",
    ] + (["peak MiB"] if with_memory else [])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    groups = {}
    for row in rows:
        groups.setdefault((row["case"], row["size"], row["backend"], row["device"]), []).append(row)
    for (case, size, backend, device), group in sorted(groups.items(), key=_group_order):
        for row in sorted(group, key=lambda r: (r["implementation"] != OURS, r["implementation"])):
            fb = row["forward_backward"]
            cells = [
                case,
                str(size),
                f"{backend} ({device})",
                row["implementation"],
                f"{row['forward']['median_ms']:.2f}",
                "-" if fb is None else f"{fb['median_ms']:.2f} ({fb['p10_ms']:.2f}-{fb['p90_ms']:.2f})",
                _ratio(row, group),
            ]
            if with_memory:
                peak = row.get("peak_bytes")
                cells.append("" if peak is None else f"{peak / 2**20:.1f}")
            lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        "fwd+bwd / fastest peer: imagelosses' forward+backward median over the fastest peer's on "
        "that backend and size (< 1: imagelosses is faster); `(forward)`: a forward-only row (the "
        "distance metrics), its forward median over the fastest peer's. Sizes are square sides "
        "(cube sides for ssim_3d, lncc_3d) or full shapes (the distance metrics)."
    )
    return "\n".join(lines)


def _pixels(row) -> int:
    pixels = 1
    for d in row["shape"][1:-1]:
        pixels *= d
    return pixels


def _same(row, backend, device, impl) -> bool:
    return (row["backend"], row["device"], row["implementation"]) == (backend, device, impl)


def plot(rows, path: Path, case: str):
    """One log-log panel per backend: fwd+bwd median against pixels, one line per implementation."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in rows if r["case"] == case]
    forward_only = all(r.get("forward_backward") is None for r in rows)
    panels = sorted({(r["backend"], r["device"]) for r in rows})
    impls = sorted({r["implementation"] for r in rows}, key=lambda i: (i != OURS, i))
    colors = {impl: f"C{i % 10}" for i, impl in enumerate(impls)}
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4.2), squeeze=False, sharey=True)
    for ax, (backend, device) in zip(axes[0], panels):
        for impl in impls:
            points = sorted(
                ((_pixels(r), _timing(r)) for r in rows if _same(r, backend, device, impl)),
                key=lambda point: point[0],
            )
            if not points:
                continue
            x = [p for p, _ in points]
            y = [fb["median_ms"] for _, fb in points]
            spread = [
                [m - fb["p10_ms"] for m, (_, fb) in zip(y, points)],
                [fb["p90_ms"] - m for m, (_, fb) in zip(y, points)],
            ]
            ours = impl == OURS
            ax.errorbar(
                x,
                y,
                yerr=spread,
                fmt="-o" if ours else "--s",
                color=colors[impl],
                label=impl,
                linewidth=2.2 if ours else 1.2,
                markersize=5 if ours else 4,
                capsize=2,
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"{case} on {backend} ({device})")
        batch, channels = rows[0]["shape"][0], rows[0]["shape"][-1]
        unit = "voxels per volume" if len(rows[0]["shape"]) == 5 else "pixels per image (H x W)"
        ax.set_xlabel(f"{unit}; batch {batch}, {channels} channel(s), float32")
        ax.grid(True, which="both", alpha=0.3)
        title = "forward median, p10-p90 bars" if forward_only else "fwd+bwd median, p10-p90 bars"
        ax.legend(fontsize=7, title=title, title_fontsize=7)
    axes[0][0].set_ylabel("forward time (ms)" if forward_only else "forward+backward time (ms)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(folder="benchmarks/results"):
    folder = Path(folder)
    rows = load(folder)
    text = table(rows)
    (folder / "table.md").write_text(text + "\n")
    for case in sorted({r["case"] for r in rows}):
        plot(rows, folder / ("scaling.png" if case == "ssim" else f"scaling-{case}.png"), case)
    print(text)


if __name__ == "__main__":
    main(*sys.argv[1:])
