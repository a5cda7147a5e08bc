"""The benchmark suite's smoke profile: every family runs, checks itself against float64, reports.

Timings are not asserted (they belong to `make bench` and benchmarks/README.md); this keeps the
scripts working and their float64 checks honest in every CI run.
"""

import json

import pytest

from benchmarks import bench_distance, bench_edges, bench_gmsd, bench_segmentation, bench_ssim, report
from benchmarks.harness import run_family

FAMILIES = {
    "edges": (bench_edges, ["sobel", "laplacian"]),
    "ssim": (bench_ssim, ["ssim", "ssim_3d"]),  # ms_ssim needs 161 px, above the smoke size
    "segmentation": (bench_segmentation, ["dice", "focal", "lovasz_softmax"]),
    "distance": (bench_distance, ["hausdorff_dt", "boundary"]),
}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_smoke_profile_times_every_case_and_passes_its_float64_check(family, tmp_path):
    module, cases = FAMILIES[family]
    out = tmp_path / f"{family}.json"
    run_family(module.CASES, ["--smoke", "--json", str(out), "--cases", *cases])
    rows = json.loads(out.read_text())["results"]
    ours = {r["case"]: r for r in rows if r["implementation"] == "imagelosses"}
    assert set(ours) == set(cases)
    for row in ours.values():
        assert row["forward"]["median_ms"] > 0 and row["forward_backward"]["median_ms"] > 0
        assert row["check"]["value_rel_error"] < 1e-4, row["check"]
        assert row["check"]["gradient_rel_error"] < 1e-2, row["check"]
    report.main(str(tmp_path))
    table = (tmp_path / "table.md").read_text()
    assert all(f"| {case} |" in table for case in cases)


def test_gmsd_smoke_profile_checks_itself_and_times_the_float64_reference_peer(tmp_path):
    out = tmp_path / "gmsd.json"
    bench_gmsd.main(["--smoke", "--json", str(out)])
    data = json.loads(out.read_text())
    (ours,) = [r for r in data["results"] if r["implementation"] == "imagelosses"]
    assert ours["case"] == "gmsd" and ours["forward_backward"]["median_ms"] > 0
    assert ours["check"]["value_rel_error"] < 1e-5 and ours["check"]["gradient_rel_error"] < 1e-2
    (peer,) = data["reference_peer"]
    assert peer["size"] == ours["size"] and peer["forward"]["median_ms"] > 0
    report.main(str(tmp_path))
    assert "| gmsd |" in (tmp_path / "table.md").read_text()
