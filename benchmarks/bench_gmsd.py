"""GMSD forward and forward+backward, with the float64 numpy reference of piq's definition as the peer.

Run: `KERAS_BACKEND=torch python -m benchmarks.bench_gmsd --device cpu [--sizes 256] [--json out.json]`

Case: `imagelosses.gmsd` on `(4, N, N, 3)` float32 channels_last RGB pairs in [0, 1], default
N = 256, timed by the harness like every family (`benchmarks/README.md`).

Peer: piq cannot be installed here (it needs torchvision), so the peer is
`tests.reference.quality.reference_gmsd`, the float64 numpy/scipy version of piq 0.8.0's
definition that the tests hold `gmsd` to. It has no gradient, so it is timed forward only, on
numpy arrays of the same inputs, after the harness's rows; it is stored under
`"reference_peer"` in the JSON (the `results` rows, which `benchmarks.report` tabulates, hold
only implementations with a forward+backward time) and printed with the ratio of our forward
median to its median.
"""

from __future__ import annotations

import sys

import numpy as np
from keras import ops

import imagelosses
from benchmarks.harness import Case, _arguments, measure, run_family
from tests.reference.quality import reference_gmsd

REFERENCE = "numpy float64 reference_gmsd (forward only)"


def _images(rng, size):
    t = rng.random((4, size, size, 3))
    return t, np.clip(t + 0.1 * rng.standard_normal(t.shape), 0, 1)


CASES = [
    Case(
        "gmsd",
        imagelosses.gmsd,
        _images,
        {},
        reference_gmsd,
        sizes=(256,),
        scaling_sizes=(64, 128, 256, 512, 1024),
    )
]


def time_reference(results, repeats: int, seed: int = 1):
    """Forward medians of the numpy reference on the sizes our rows were timed at."""
    rng = np.random.default_rng(seed)
    rows = []
    for ours in results["results"]:
        if ours["implementation"] != "imagelosses":
            continue
        pairs = [_images(rng, ours["size"]) for _ in range(3)]
        # returned as a tensor of the backend, so that the harness's device sync applies to it
        forward = measure(lambda t, p: ops.convert_to_tensor(reference_gmsd(t, p)), pairs, 1, repeats)
        ratio = ours["forward"]["median_ms"] / forward["median_ms"]
        rows.append(
            {"case": ours["case"], "size": ours["size"], "implementation": REFERENCE, "forward": forward}
        )
        print(
            f"{ours['case']:<14}{ours['size']:>6}  {REFERENCE:<44}{forward['median_ms']:>12.3f}"
            f"  (ours forward / reference forward: {ratio:.2f})"
        )
    return rows


def main(argv=None):
    import json

    argv = sys.argv[1:] if argv is None else list(argv)
    args = _arguments(argv)
    results = run_family(CASES, argv)
    results["reference_peer"] = time_reference(results, 3 if args.smoke else args.repeats)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    main()
