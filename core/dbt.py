"""Run dbt in-process against the build warehouse of the current ``CDW_HOME``.

The CLI, the tests and the benchmark all build through here so they pass the same profile,
warehouse path, target folder and ``as_of`` var. Dagster uses dagster-dbt with the same settings
(see ``dbt_invocation_env`` and ``dbt_flags``).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from core.settings import DBT_PROJECT_DIR, Paths


class DbtError(RuntimeError):
    """dbt could not run at all (a parse or compile error); the message says what to fix."""


@dataclass
class DbtBuildResult:
    success: bool
    counts: dict[str, int] = field(default_factory=dict)  # status -> number of nodes
    failures: list[str] = field(default_factory=list)  # "node: message"
    seconds: float = 0.0


def dbt_invocation_env(paths: Paths) -> dict[str, str]:
    """Environment dbt needs: where the build warehouse is."""
    return {"CDW_BUILD_DB": str(paths.build_db), "CDW_HOME": str(paths.home)}


def dbt_vars(as_of: date | None) -> dict[str, str]:
    return {"as_of": as_of.isoformat()} if as_of else {}


def dbt_flags(paths: Paths, as_of: date | None = None, target_path: Path | None = None) -> list[str]:
    """Flags shared by every dbt invocation (project, profile, per-home target and logs)."""
    flags = [
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(target_path or paths.home / "dbt" / "target"),
        "--log-path", str(paths.home / "dbt" / "logs"),
    ]
    if as_of:
        flags += ["--vars", json.dumps(dbt_vars(as_of))]
    return flags


@contextmanager
def _argv(argv: list[str]) -> Iterator[None]:
    """``sys.argv`` as dbt should record it for the length of an in-process invocation.

    dbt writes ``sys.argv`` into its log and ``run_results.json`` (``invocation_command``). In
    process that is the calling command line: ``cdw privacy erase --email <address>`` would leave
    the address in both. dbt sees its own command instead.
    """
    saved = sys.argv
    sys.argv = argv
    try:
        yield
    finally:
        sys.argv = saved


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def run_dbt(paths: Paths, command: list[str], as_of: date | None = None,
            on_node: Callable[[str, str], None] | None = None, target_path: Path | None = None) -> DbtBuildResult:
    """Run one dbt command (e.g. ``["build"]``) and summarise node results.

    ``on_node(name, status)`` is called as each node finishes, for progress display.
    """
    import time

    from dbt.cli.main import dbtRunner

    def callback(event) -> None:
        if on_node is None or event.info.name != "NodeFinished":
            return
        node = event.data.node_info
        on_node(node.unique_id, node.node_status)

    started = time.perf_counter()
    paths.ensure()
    with _environment(dbt_invocation_env(paths)), _argv(["dbt", *command]):
        runner = dbtRunner(callbacks=[callback])
        result = runner.invoke([*command, *dbt_flags(paths, as_of, target_path), "--quiet"])
    seconds = time.perf_counter() - started
    if result.exception is not None:
        raise DbtError(f"dbt {' '.join(command)} could not run: {result.exception}")
    counts: dict[str, int] = {}
    failures: list[str] = []
    for node_result in getattr(result.result, "results", []) or []:
        status = str(node_result.status)
        counts[status] = counts.get(status, 0) + 1
        if status in {"error", "fail"}:
            failures.append(f"{node_result.node.unique_id}: {node_result.message}")
    return DbtBuildResult(success=bool(result.success), counts=counts, failures=failures, seconds=seconds)
