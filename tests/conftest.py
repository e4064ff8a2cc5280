"""Suite-wide settings: how `pytest -n 2` shares the work between its workers.

Many modules build a demo warehouse once in a module-, package- or session-scoped fixture. With
xdist's default distribution each worker that runs one test of such a module builds the
warehouse again. The scheduler below hands out whole modules (whole packages, where a fixture is
shared by a package), so each warehouse is built once and the two workers still share the
modules between them. (xdist's own ``--dist loadgroup`` ignores ``xdist_group`` marks added by a
conftest or ``pytestmark``: pytest-dev/pytest-xdist#1295.) The modules that build a warehouse
(the packages below and modules marked ``e2e`` or ``slow``) are handed out first, so the cheap
ones fill the gaps at the end instead of one long build running alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).parent
# Packages whose expensive fixture is package- or session-scoped: one unit of work for all of it.
PACKAGE_GROUPS = frozenset({"identity", "transformations", "analysts"})


def work_unit(nodeid: str) -> str:
    """The module of a test (``tests/x/test_y.py``), or its package for the packages above."""
    path = nodeid.split("::", 1)[0]
    parts = path.split("/")
    if len(parts) > 2 and parts[0] == TESTS.name and parts[1] in PACKAGE_GROUPS:
        return "/".join(parts[:2])
    return path


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ModuleOrPackageScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return ModuleOrPackageScheduling(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the units: one that needs the session's shared demo (its worker builds it), then the other
    heavy units (the other worker goes on meanwhile), then the rest of the shared demo's users (built by
    then), then the cheap ones. The sort is stable: tests keep their order inside a unit."""
    heavy = {f"{TESTS.name}/{package}" for package in PACKAGE_GROUPS}
    heavy |= {work_unit(i.nodeid) for i in items if i.get_closest_marker("e2e") or i.get_closest_marker("slow")}
    shared = [work_unit(i.nodeid) for i in items if "shared_demo" in getattr(i, "fixturenames", ())]
    first = shared[0] if shared else None

    def rank(item: pytest.Item) -> int:
        unit = work_unit(item.nodeid)
        if unit == first:
            return 0
        if unit in shared:
            return 2
        return 1 if unit in heavy else 3

    items.sort(key=rank)


@pytest.fixture(scope="session")
def shared_demo(tmp_path_factory: pytest.TempPathFactory, worker_id: str):
    """The session's demo warehouse (:mod:`tests.shared_demo`); copy its home before changing anything."""
    from tests.shared_demo import build_shared_demo

    base = tmp_path_factory.getbasetemp()
    return build_shared_demo(base.parent if worker_id != "master" else base)
