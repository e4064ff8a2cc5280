"""The import graph: no module imports a layer above its own, and capabilities do not import each other.

Floors, from the ground up (GUIDE.md, "The shape of the system"):

0. ``core``: settings, contracts, the data dictionary, the dbt runner, as-of, typed config;
1. capabilities: ``demo``, ``ingestion``, ``identity``, ``expectations``, ``clv``, ``activation``, ``governance``
   (each may import ``core`` and itself, never a sibling);
2. the run's steps: ``cdw`` (context, steps, lock, records, publish, privacy);
3. front ends: ``orchestration`` (Dagster), then ``cli`` (the command line, which also records its
   runs in the Dagster instance through ``orchestration.cli_runs``) and ``dashboard`` (Streamlit over
   the serving copy; ``cdw dashboard`` starts it as a program, neither imports the other);
4. ``benchmarks`` and ``tests`` may import anything.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.settings import REPO_ROOT

FLOORS = {"core": 0, "demo": 1, "ingestion": 1, "expectations": 1, "clv": 1, "activation": 1, "governance": 1,
          "identity": 1,
          "cdw": 2, "orchestration": 3, "cli": 4, "dashboard": 4}


def _modules() -> list[Path]:
    return sorted(p for package in FLOORS for p in (REPO_ROOT / package).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    """Top-level packages of the project a module imports (anywhere in the file, lazily or not)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(FLOORS)


def test_every_package_is_on_a_floor():
    packages = {p.parent.name for p in REPO_ROOT.glob("*/__init__.py")} - {"tests", "benchmarks"}
    assert packages <= set(FLOORS), f"packages without a floor: {sorted(packages - set(FLOORS))}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(REPO_ROOT).as_posix())
def test_no_import_runs_up_a_floor_or_across_capabilities(path: Path):
    own = path.relative_to(REPO_ROOT).parts[0]
    for imported in _imports(path) - {own}:
        assert FLOORS[imported] < FLOORS[own], (
            f"{path.relative_to(REPO_ROOT)} (floor {FLOORS[own]}) imports {imported} (floor {FLOORS[imported]})")


def test_the_checker_sees_a_violation(tmp_path: Path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from orchestration.keys import SERVING\n    import cdw.steps\n")
    assert _imports(module) == {"orchestration", "cdw"}
