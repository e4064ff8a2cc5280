"""Suite-wide settings: how `pytest -n 2` shares the work between its workers.

Many modules build a demo warehouse once in a module-, package- or session-scoped fixture. With
xdist's default distribution each worker that runs one test of such a module builds the
warehouse again. The scheduler below hands out whole modules (whole packages, where a fixture is
shared by a package), so each warehouse is built once and the two workers still share the
modules between them. (xdist's own ``--dist loadgroup`` ignores ``xdist_group`` marks added by a
conftest or ``pytestmark``: pytest-dev/pytest-xdist#1295.) Modules whose tests share nothing
costly (:data:`PER_TEST`) are handed out test by test, so their slow tests run on both workers.

The units are handed out longest first (:data:`COST`), so that the last minutes are filled with
cheap units instead of one long build running alone while the other worker idles. xdist's
``loadscope`` would reorder them by their number of tests (``--loadscope-reorder``, its default):
that put the slowest builds last. A worker is given its next unit only once it is down to the
last test of the previous one (xdist gives it with two left), so a long unit is not promised to a
worker that is still busy for minutes while the other runs out of work.
"""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).parent
# Packages whose expensive fixture is package- or session-scoped: one unit of work for all of it.
PACKAGE_GROUPS = frozenset({"identity", "transformations", "analysts"})
# Modules whose tests each build their own warehouse (function-scoped homes only): one unit per test.
PER_TEST = frozenset({"tests/first_day/test_each_system_alone.py", "tests/first_day/test_systems_together.py"})
# Modules whose tests split by a parameter (the first part of the test id) without sharing a costly
# fixture across the parts: one unit per value.
PER_PARAMETER = frozenset({"tests/ingestion/test_crash_safety.py"})
COST: dict[str, float] = {
    # Seconds of each slow unit in a whole local run (junit times, two busy cores); only their order
    # matters, and a unit left out is costed by its marks (below).
    "tests/governance/test_erasure_everywhere.py": 245, "tests/identity": 200, "tests/dbt/test_dbt_project.py": 155,
    "tests/ingestion/test_crash_safety.py": 126, "tests/orchestration/test_materialize.py": 119,
    "tests/analysts": 110, "tests/governance/test_privacy_demo.py": 107, "tests/transformations": 100,
    "tests/test_main_job.py": 90, "tests/daily/test_daily_equals_full.py": 78,
    "tests/value/test_value_marts.py": 49, "tests/ingestion/test_load.py": 40, "tests/cdw/test_query.py": 35,
}
"""Units not listed: ``DEFAULT_HEAVY`` if a test is marked ``e2e`` or ``slow``, else ``DEFAULT_LIGHT``."""
DEFAULT_HEAVY, DEFAULT_LIGHT = 90.0, 1.0


def work_unit(nodeid: str) -> str:
    """The unit a test is scheduled with: its module (``tests/x/test_y.py``), its package for the
    packages above, itself for the modules of :data:`PER_TEST`."""
    path, _, name = nodeid.partition("::")
    parts = path.split("/")
    if len(parts) > 2 and parts[0] == TESTS.name and parts[1] in PACKAGE_GROUPS:
        return "/".join(parts[:2])
    if path in PER_TEST:
        return nodeid
    if path in PER_PARAMETER and "[" in name:
        return f"{path}[{name.split('[', 1)[1].split('-', 1)[0]}]"
    return path


def unit_cost(unit: str, heavy: bool) -> float:
    """The unit's entry in :data:`COST` (a module's for its parts), or a default by its marks."""
    path = unit.split("::", 1)[0].split("[", 1)[0]
    if unit in COST:
        return COST[unit]
    if path in COST:  # one part of a split module
        return COST[path] / 2
    return DEFAULT_HEAVY if heavy else DEFAULT_LIGHT


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False  # keep the order pytest_collection_modifyitems gives

    class ModuleOrPackageScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

        def _reschedule(self, node) -> None:
            # A worker runs a test only once it knows the next one, so it needs more work when one
            # test is left; xdist's own rule (two left) commits the next unit a whole test early.
            if node.shutting_down:
                return
            if not self.workqueue:
                node.shutdown()
                return
            if self._pending_of(self.assigned_work[node]) > 1:
                return
            self._assign_work_unit(node)

    return ModuleOrPackageScheduling(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the units: the costliest one that needs the session's shared demo (its worker builds it),
    then the costliest of the others (the other worker goes on meanwhile), then the rest longest
    first. The sort is stable: tests keep their order inside a unit."""
    heavy = {work_unit(i.nodeid) for i in items if i.get_closest_marker("e2e") or i.get_closest_marker("slow")}
    cost = {unit: unit_cost(unit, unit in heavy) for unit in {work_unit(i.nodeid) for i in items}}
    shared = {work_unit(i.nodeid) for i in items if "shared_demo" in getattr(i, "fixturenames", ())}
    first = max(shared, key=lambda unit: (cost[unit], unit)) if shared else None
    others = [unit for unit in cost if unit not in shared]
    second = max(others, key=lambda unit: (cost[unit], unit)) if others else None

    def rank(item: pytest.Item) -> tuple[int, float, str]:
        unit = work_unit(item.nodeid)
        if unit == first:
            return 0, 0.0, ""
        if unit == second:
            return 1, 0.0, ""
        return 2, -cost[unit], unit

    items.sort(key=rank)


@pytest.fixture(scope="session")
def shared_demo(tmp_path_factory: pytest.TempPathFactory, worker_id: str):
    """The session's demo warehouse (:mod:`tests.shared_demo`); copy its home before changing anything."""
    from tests.shared_demo import build_shared_demo

    base = tmp_path_factory.getbasetemp()
    return build_shared_demo(base.parent if worker_id != "master" else base)
