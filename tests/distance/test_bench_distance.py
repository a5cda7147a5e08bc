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
    assert {r["case"] for r in ours} == {"edt", "hd95", "edt_3d", "hd95_3d"}
    assert all(r["forward"]["median_ms"] > 0 for r in rows)
    assert all(r["check"]["sum_rel_error"] < 1e-5 for r in ours if r["case"].startswith("edt"))
    for case in ("edt", "edt_3d"):
        assert {r["implementation"] for r in rows if r["case"] == case} == {
            "imagelosses",
            "scipy distance_transform_edt",
        }
    assert len(results["growth_exponents"]) == 1
    # `make bench`'s report reads these forward-only rows: the table and one plot per case
    from benchmarks import report

    (tmp_path / "results").mkdir()
    out.rename(tmp_path / "results" / "distance_metrics.json")
    report.main(tmp_path / "results")
    text = (tmp_path / "results" / "table.md").read_text()
    assert "(forward)" in text and "| edt | 4x32x32 |" in text
    for case in ("edt", "hd95", "edt_3d", "hd95_3d"):
        assert (tmp_path / "results" / f"scaling-{case}.png").stat().st_size > 0


def test_volume_sides_time_one_cube_per_side(tmp_path):
    out = tmp_path / "distance.json"
    bench_distance.run_metrics(["--metrics", "--smoke", "--volume-sides", "8", "12", "--json", str(out)])
    rows = json.loads(out.read_text())["results"]
    for case in ("edt_3d", "hd95_3d"):
        sizes = {r["size"] for r in rows if r["case"] == case and r["implementation"] == "imagelosses"}
        assert sizes == {"2x8x8x8", "2x12x12x12"}, (case, sizes)
    assert {r["shape"][1] for r in rows if r["case"] == "edt_3d"} == {8, 12}
