"""The smoke profile of `python -m benchmarks.bench_distance --metrics` (EDT, HD95, growth) runs.

Timings are not asserted (benchmarks/README.md holds them); the EDT's float64 check is.
"""

import json

from benchmarks import bench_distance


def test_metrics_smoke_profile_times_ours_and_the_peers(tmp_path):
    out = tmp_path / "distance.json"
    results = bench_distance.run_metrics(["--metrics", "--smoke", "--json", str(out)])
    rows = json.loads(out.read_text())["results"]
    ours = [r for r in rows if r["implementation"] == "imagelosses"]
    assert {r["case"] for r in ours} == {"edt", "hd95", "edt growth"}
    assert all(r["forward"]["median_ms"] > 0 for r in rows)
    assert all(r["check"]["sum_rel_error"] < 1e-5 for r in ours if r["case"] == "edt")
    assert {r["implementation"] for r in rows if r["case"] == "edt"} == {
        "imagelosses",
        "scipy distance_transform_edt",
    }
    assert len(results["growth_exponents"]) == 1
