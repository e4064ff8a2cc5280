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
from datetime import date, datetime
from pathlib import Path

from core import dbt_parse
from core.as_of import AsOf, resolve_as_of
from core.resources import duckdb_resources
from core.settings import DBT_PROJECT_DIR, Paths


class DbtError(RuntimeError):
    """dbt could not run at all (a parse or compile error); the message says what to fix."""


@dataclass(frozen=True)
class NodeResult:
    """One node dbt ran: a model, seed, snapshot or test, and how it ended."""

    unique_id: str
    resource_type: str
    name: str
    status: str
    message: str | None = None
    relation: str | None = None
    """``schema.alias`` of a built model, seed or snapshot."""
    failures: int | None = None
    """Failing rows of a test."""


@dataclass
class DbtBuildResult:
    success: bool
    counts: dict[str, int] = field(default_factory=dict)  # status -> number of nodes
    failures: list[str] = field(default_factory=list)  # "node: message"
    seconds: float = 0.0
    nodes: list[NodeResult] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        """Tests that warned (severity warn): "node: message"."""
        return [f"{n.unique_id}: {n.message}" for n in self.nodes if n.status == "warn"]


def dbt_invocation_env(paths: Paths) -> dict[str, str]:
    """Environment dbt needs: where the build warehouse is, and DuckDB's share of the machine."""
    resources = duckdb_resources(paths.build_db)
    resources.temp_directory.mkdir(parents=True, exist_ok=True)
    return {"CDW_BUILD_DB": str(paths.build_db), "CDW_HOME": str(paths.home), **resources.environment()}


def dbt_vars(as_of: AsOfLike) -> dict[str, str]:
    """dbt's ``as_of`` var: the resolved moment (a date means the end of that day, see core/as_of.py)."""
    if as_of is None:
        return {}
    moment = as_of if isinstance(as_of, AsOf) else resolve_as_of(as_of)
    return {"as_of": moment.dbt_var}


AsOfLike = AsOf | date | datetime | str | None
NO_CONSOLE_LOG = ("--log-level", "none")
"""No console logger at all (not ``--quiet``, which still formats and scrubs every event before
dropping it: about a tenth of a small build's CPU). Results come back as objects; errors in the
results and in ``DbtError``; the full debug log stays in ``<home>/dbt/logs/dbt.log``."""


def dbt_flags(paths: Paths, as_of: AsOfLike = None, target_path: Path | None = None) -> list[str]:
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


def _release_warehouse() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after a command.

    dbt-duckdb holds one environment per process (a class attribute) until the next command; while
    it is open, the same process cannot open the warehouse read-only ("different configuration than
    existing connections"), and no other process can open it at all.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    with DuckDBConnectionManager._LOCK:
        environment, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None
    if environment is not None:
        environment.close()


def _parsed_manifest(paths: Paths, command: list[str], target_path: Path | None):
    """The project's manifest, parsed without command-line vars (see core/dbt_parse.py)."""
    from dbt.cli.main import dbtRunner

    target = target_path or paths.home / "dbt" / "target"
    manifest = dbt_parse.cached(paths.build_db.stem)
    if manifest is not None:
        dbt_parse.ensure_written(manifest, target)
        return manifest
    parsed = dbtRunner().invoke(["parse", *dbt_flags(paths, None, target_path), *NO_CONSOLE_LOG])
    if parsed.exception is not None or not parsed.success:
        raise DbtError(f"dbt {' '.join(command)} could not run: the project does not parse: "
                       f"{parsed.exception or 'see the dbt log under ' + str(paths.home / 'dbt' / 'logs')}")
    dbt_parse.remember(paths.build_db.stem, parsed.result, target)
    return parsed.result


def run_dbt(paths: Paths, command: list[str], as_of: AsOfLike = None,
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
        try:
            manifest = None if command[:1] == ["parse"] else _parsed_manifest(paths, command, target_path)
            runner = dbtRunner(manifest=manifest, callbacks=[callback])
            result = runner.invoke([*command, *dbt_flags(paths, as_of, target_path), *NO_CONSOLE_LOG])
        finally:
            _release_warehouse()
    seconds = time.perf_counter() - started
    if result.exception is not None:
        raise DbtError(f"dbt {' '.join(command)} could not run: {result.exception}")
    counts: dict[str, int] = {}
    failures: list[str] = []
    nodes: list[NodeResult] = []
    for node_result in getattr(result.result, "results", []) or []:
        status = str(node_result.status)
        counts[status] = counts.get(status, 0) + 1
        node = node_result.node
        if status in {"error", "fail"}:
            failures.append(f"{node.unique_id}: {node_result.message}")
        relation = (f"{node.schema}.{getattr(node, 'alias', None) or node.name}"
                    if node.resource_type in ("model", "seed", "snapshot") else None)
        nodes.append(NodeResult(node.unique_id, str(node.resource_type), node.name, status,
                                node_result.message, relation, getattr(node_result, "failures", None)))
    return DbtBuildResult(success=bool(result.success), counts=counts, failures=failures, seconds=seconds,
                          nodes=nodes)
