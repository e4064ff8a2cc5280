"""Suite-wide settings: how `pytest -n 2` shares the work between its workers.

Many modules build a demo warehouse once in a module-, package- or session-scoped fixture. With
xdist's default distribution each worker that runs one test of such a module builds the
warehouse again. `make test` runs with ``--dist loadgroup``: every test is put in the group of its
module (or of its package, where a fixture is shared by a whole package), so each warehouse is
built once and the two workers still share the modules between them. The groups that build a
warehouse (the packages below and modules marked ``e2e`` or ``slow``) are handed out first, so the cheap ones
fill the gaps at the end instead of one long build running alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).parent
# Packages whose expensive fixture is package- or session-scoped: one group for the whole package.
PACKAGE_GROUPS = frozenset({"identity", "transformations"})


def xdist_group_of(path: Path) -> str:
    relative = path.relative_to(TESTS)
    if relative.parts[0] in PACKAGE_GROUPS:
        return relative.parts[0]
    return relative.with_suffix("").as_posix()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    groups = {}
    for item in items:
        marker = item.get_closest_marker("xdist_group")
        group = marker.args[0] if marker and marker.args else xdist_group_of(Path(item.fspath))
        if marker is None:
            item.add_marker(pytest.mark.xdist_group(group))
        groups[item.nodeid] = group
    heavy = {groups[i.nodeid] for i in items if i.get_closest_marker("e2e") or i.get_closest_marker("slow")}
    heavy |= PACKAGE_GROUPS
    items.sort(key=lambda i: groups[i.nodeid] not in heavy)  # stable: heavy groups first, order kept
