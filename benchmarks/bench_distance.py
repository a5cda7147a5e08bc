"""Distance transform, HD95 and the distance-map losses against scipy.ndimage and MONAI.

Two parts, one script:

- Losses (the harness's `run_family`: forward and forward+backward, float64 check first):
  `hausdorff_dt` (peer on torch: MONAI's `HausdorffDTLoss`, which runs scipy's EDT outside the
  graph) and `boundary` (no peer ships it), on `(4, N, N, 3)` one-hot labels and probabilities.
  `KERAS_BACKEND=jax python -m benchmarks.bench_distance [--smoke] [--json out.json]`
- Metrics (`--metrics`; forward only, these carry no gradient): `distance_transform` against
  `scipy.ndimage.distance_transform_edt` (one call per image, float64 as scipy computes), and
  `hausdorff_distance(percentile=95)` against MONAI's `compute_hausdorff_distance` (KD-tree on
  the CPU; one-hot torch inputs prepared before timing), on 4xNxN masks for each side of
  `--sides` (default 64 to 1024; also the EDT's growth exponents) and on 2x96x160x160 (skipped
  with `--no-volumes`; `--volume-sides 64 96 128 160` times 2xSxSxS cubes instead, the 3D
  scaling), 3 classes for HD95.
  `KERAS_BACKEND=jax python -m benchmarks.bench_distance --metrics [--smoke] [--sides 64 256]
  [--no-volumes | --volume-sides 64 96 128 160] [--json out.json]`

Our calls are compiled as the harness compiles them (jax.jit, tf.function, torch eager); scipy
and MONAI run as their users run them. Median and 10-90% spread over `--repeats` calls after one
warm-up call (3D volumes: 3 calls).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import warnings

import numpy as np
import scipy.ndimage as ndi

import imagelosses
from benchmarks.harness import (
    BACKEND,
    Case,
    compile_forward,
    environment,
    measure,
    run_family,
    to_device,
    to_numpy,
)
from tests.reference import distance as ref

K = 3


def _probabilities(rng, size):
    """One-hot labels of smooth regions and probabilities kept 0.02 away from 0.5 (the HD loss
    thresholds the prediction there, so a central difference must not cross it)."""
    labels = ref.blob_labels(rng, (4, size, size), K)
    onehot = np.eye(K)[labels]
    z = 2.0 * onehot + rng.standard_normal(onehot.shape)
    p = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    near = np.abs(p - 0.5) < 0.02
    return onehot, np.where(near, p + 0.04 * np.sign(p - 0.5 + 1e-9), p)


def _hausdorff_peers():
    if BACKEND != "torch":
        return {}
    try:
        from monai.losses import HausdorffDTLoss
    except ImportError:
        return {}
    monai = HausdorffDTLoss(include_background=False, reduction="none")
    return {
        "monai HausdorffDTLoss": lambda t, p: monai(p.permute(0, 3, 1, 2), t.permute(0, 3, 1, 2)).mean(
            dim=(1, 2, 3)
        )
    }


CASES = [
    Case(
        "hausdorff_dt",
        imagelosses.hausdorff_dt_loss,
        _probabilities,
        _hausdorff_peers(),
        ref.reference_hausdorff_dt_loss,
        sizes=(64, 256),
        scaling_sizes=(64, 128, 256, 512),
    ),
    Case(
        "boundary",
        imagelosses.boundary_loss,
        _probabilities,
        {},
        ref.reference_boundary_loss,
        sizes=(64, 256),
        scaling_sizes=(64, 128, 256, 512),
    ),
]

# (name, batch, spatial shape) of the metric benchmarks; the smoke profile uses small ones.
# 2D shapes: batches of 4 at each side of GROWTH_SIDES; one 3D shape
SHAPES = [("2x96x160x160", 2, (96, 160, 160))]
SMOKE_SHAPES = [("2x32x32", 2, (32, 32)), ("1x8x12x16", 1, (8, 12, 16))]
GROWTH_SIDES = (64, 128, 256, 512, 1024)


def _measure_host(call, inputs, repeats):
    """`harness.measure` for numpy/scipy/MONAI calls: their results are already on the host."""
    call(*inputs[0])
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        call(*inputs[i % len(inputs)])
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    return {
        "median_ms": statistics.median(times),
        "p10_ms": times[max(0, int(0.1 * len(times)))],
        "p90_ms": times[min(len(times) - 1, int(0.9 * len(times)))],
        "repeats": repeats,
    }


def _timed(name, shape, impl, call, inputs, repeats, rows, host=False):
    result = (_measure_host if host else lambda c, i, r: measure(c, i, warmup=1, repeats=r))(
        call, inputs, repeats
    )
    # `size` (the label) and `shape` (batch, spatial..., 1) as `benchmarks.report` reads them;
    # forward only: these are metrics
    dims = [int(d) for d in shape.split("x")]
    rows.append(
        {
            "case": name,
            "size": shape,
            "shape": [*dims, 1],
            "implementation": impl,
            "forward": result,
            "forward_backward": None,
        }
    )
    print(
        f"{name:<10}{shape:>15}  {impl:<34}{result['median_ms']:>12.2f}  "
        f"{result['p10_ms']:.2f}-{result['p90_ms']:.2f}"
    )
    return result["median_ms"]


def _edt_cases(rng, label, batch, spatial, repeats, rows, name="edt"):
    masks = [(rng.random((batch, *spatial, 1)) > 0.01).astype(np.float32) for _ in range(2)]
    dims = len(spatial)
    ours = compile_forward(lambda t, p: imagelosses.distance_transform(p, spatial_dims=dims))
    got = to_numpy(ours(to_device(masks[0]), to_device(masks[0])))
    expected = ref.reference_distance_transform(masks[0], None, dims).sum()
    error = abs(float(got) - expected) / expected
    print(f"{'edt':<10}{label:>15}  float64 check: sum relative error {error:.1e}")
    ms = _timed(
        name, label, "imagelosses", ours, [(to_device(m), to_device(m)) for m in masks], repeats, rows
    )

    def scipy_edt(mask):
        return [ndi.distance_transform_edt(mask[b, ..., 0]) for b in range(mask.shape[0])]

    peer = _timed(
        name,
        label,
        "scipy distance_transform_edt",
        scipy_edt,
        [(m,) for m in masks],
        repeats,
        rows,
        host=True,
    )
    rows[-2]["ratio_to_peer"] = ms / peer
    rows[-2]["check"] = {"sum_rel_error": error}


def _hd95_cases(rng, label, batch, spatial, repeats, rows, name="hd95"):
    dims = len(spatial)
    pairs = [
        (
            ref.blob_labels(rng, (batch, *spatial), K, sigma=3.0),
            ref.blob_labels(rng, (batch, *spatial), K, sigma=3.0),
        )
        for _ in range(2)
    ]
    ours = compile_forward(
        lambda t, p: imagelosses.hausdorff_distance(t, p, percentile=95, num_classes=K, spatial_dims=dims)
    )
    ms = _timed(
        name, label, "imagelosses", ours, [(to_device(t), to_device(p)) for t, p in pairs], repeats, rows
    )
    try:
        import torch
        from monai.metrics import compute_hausdorff_distance
    except ImportError:
        return
    onehot = [
        (torch.tensor(ref.one_hot_channels_first(t, K)), torch.tensor(ref.one_hot_channels_first(p, K)))
        for t, p in pairs
    ]

    def monai_hd95(t, p):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return compute_hausdorff_distance(p, t, percentile=95)

    peer = _timed(
        name, label, "monai compute_hausdorff_distance", monai_hd95, onehot, repeats, rows, host=True
    )
    rows[-2]["ratio_to_peer"] = ms / peer


def run_metrics(argv=None):
    """`--metrics`: EDT and HD95 against scipy and MONAI, and the EDT's growth with the side."""
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--metrics", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="small shapes, 2 repeats (CI)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--sides", type=int, nargs="*", help=f"2D sides (default {list(GROWTH_SIDES)})")
    parser.add_argument("--no-volumes", action="store_true", help="skip the 3D shape (minutes per call)")
    parser.add_argument(
        "--volume-sides", type=int, nargs="*", help="cube sides S of 2xSxSxS volumes in place of 2x96x160x160"
    )
    # `make bench` passes its arguments to every family; the other families' options
    # (--sizes, --profile, --device, --cases) do not apply here and are ignored
    args, _ = parser.parse_known_args(argv)
    rng = np.random.default_rng(0)
    repeats = 2 if args.smoke else args.repeats
    results = {"environment": environment(), "results": []}
    print(f"# {results['environment']}")
    print(f"{'case':<10}{'shape':>15}  {'implementation':<34}{'forward ms':>12}  spread")
    rows = results["results"]
    sides = (16, 32) if args.smoke else tuple(args.sides or GROWTH_SIDES)
    growth = []
    for side in sides:  # each 2D side against the peers: the table's rows and the scaling plot
        _edt_cases(rng, f"4x{side}x{side}", 4, (side, side), repeats, rows)
        growth.append(rows[-2]["forward"]["median_ms"])
        _hd95_cases(rng, f"4x{side}x{side}", 4, (side, side), repeats, rows)
    if args.no_volumes:
        volumes = []
    elif args.volume_sides:
        volumes = [(f"2x{s}x{s}x{s}", 2, (s, s, s)) for s in args.volume_sides]
    else:
        volumes = SMOKE_SHAPES[1:] if args.smoke else SHAPES
    for label, batch, spatial in volumes:
        _edt_cases(rng, label, batch, spatial, min(repeats, 3), rows, name="edt_3d")
        _hd95_cases(rng, label, batch, spatial, min(repeats, 3), rows, name="hd95_3d")
    # time ~ side^e: e = 2 for O(N) per image, 3 for O(N * side)
    exponents = np.diff(np.log(growth)) / np.diff(np.log(np.asarray(sides, float)))
    results["growth_exponents"] = [float(e) for e in exponents]
    print(
        f"EDT time growth exponents between sides {list(sides)}: "
        f"{', '.join(f'{e:.2f}' for e in exponents)} (2: linear in pixels, 3: pixels x side)"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    if "--metrics" in sys.argv[1:]:
        run_metrics(sys.argv[1:])
    else:
        run_family(CASES)
