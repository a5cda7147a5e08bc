"""The suite's `xdist_group`s reach xdist's scheduler, so each group runs on one worker.

`--dist loadgroup` (scripts/test_all_backends.sh) sends a group's tests to one worker by reading
the group from the node id, where the worker's collection writes it. With pytest 9.2 and
pytest-xdist 3.8 it was not written (pytest-dev/pytest-xdist#1386): `ci_run`'s tests ran on both
workers and the CI-sized bake-off was trained twice per backend. pyproject.toml pins pytest below
9.2; this test fails if the groups are lost again.
"""

import pytest


@pytest.mark.xdist_group("grouping_check")  # a grouped test itself, whatever else is selected
def test_grouped_tests_carry_their_group_in_the_node_id(request):
    if not getattr(request.config.option, "loadgroup", False):  # set in xdist's workers
        pytest.skip("only in pytest-xdist's workers under --dist loadgroup, as `make test` runs")
    grouped = [i for i in request.session.items if i.get_closest_marker("xdist_group")]
    lost = [i.nodeid for i in grouped if "@" not in i.nodeid]
    assert not lost, (
        f"--dist loadgroup lost the xdist_group of {len(lost)} tests, e.g. {lost[0]} (pytest "
        f"{pytest.__version__}; pytest-dev/pytest-xdist#1386)"
    )
