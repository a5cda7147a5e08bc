"""The smoke profile of `python -m benchmarks.bench_registration` (LNCC on volumes) runs and passes
its float64 check; on torch, MONAI is timed beside it. Timings are not asserted."""

import json

from benchmarks import bench_registration
from benchmarks.harness import BACKEND, run_family


def test_smoke_profile_times_lncc_3d_and_passes_its_float64_check(tmp_path):
    out = tmp_path / "registration.json"
    run_family(bench_registration.CASES, ["--smoke", "--json", str(out), "--cases", "lncc_3d"])
    rows = json.loads(out.read_text())["results"]
    ours = [r for r in rows if r["implementation"] == "imagelosses"]
    assert [r["case"] for r in ours] == ["lncc_3d"]
    assert ours[0]["shape"] == [2, 32, 32, 32, 1]
    assert ours[0]["forward"]["median_ms"] > 0 and ours[0]["forward_backward"]["median_ms"] > 0
    assert ours[0]["check"]["value_rel_error"] < 1e-5, ours[0]["check"]
    assert ours[0]["check"]["gradient_rel_error"] < 1e-2, ours[0]["check"]
    if BACKEND == "torch" and bench_registration.CASES[0].peers:
        assert {r["implementation"] for r in rows} == {"imagelosses", *bench_registration.CASES[0].peers}
