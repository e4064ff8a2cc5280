"""Run dbt in-process against the build warehouse of the current ``CDW_HOME``.

The CLI, the tests and the benchmark all build through here so they pass the same profile,
warehouse path, target folder and ``as_of`` var. Dagster uses dagster-dbt with the same settings
(see ``dbt_invocation_env`` and ``dbt_flags``).
"""

from __future__ import annotations

import json
import os
import subprocess
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
    errors: list[str] = field(default_factory=list)
    """What dbt logged at error level (a failing run-operation says why only there)."""

    @property
    def warnings(self) -> list[str]:
        """Tests that warned (severity warn): "node: message"."""
        return [f"{n.unique_id}: {n.message}" for n in self.nodes if n.status == "warn"]


@dataclass(frozen=True)
class DbtPlace:
    """Where one dbt command works: the warehouse file, its target and log folders, the project.

    The pipeline's place is a home's (:meth:`of_home`); tests and benchmarks also build warehouse
    files of their own (:func:`invoke_dbt`).
    """

    build_db: Path
    target: Path
    logs: Path
    home: Path | None = None
    project_dir: Path = DBT_PROJECT_DIR

    @classmethod
    def of_home(cls, paths: Paths, target_path: Path | None = None) -> DbtPlace:
        return cls(paths.build_db, target_path or paths.home / "dbt" / "target", paths.home / "dbt" / "logs",
                   paths.home)

    @classmethod
    def beside(cls, database: Path, work_dir: Path, project_dir: Path = DBT_PROJECT_DIR) -> DbtPlace:
        """A warehouse file with dbt's target and logs under ``work_dir``."""
        return cls(database, work_dir / "target", work_dir / "logs", None, project_dir)

    def environment(self) -> dict[str, str]:
        """What dbt needs: where the build warehouse is, and DuckDB's share of the machine."""
        resources = duckdb_resources(self.build_db)
        resources.temp_directory.mkdir(parents=True, exist_ok=True)
        home = {"CDW_HOME": str(self.home)} if self.home else {}
        return {"CDW_BUILD_DB": str(self.build_db), **home, **resources.environment()}

    def flags(self, as_of: AsOfLike = None) -> list[str]:
        flags = ["--project-dir", str(self.project_dir), "--profiles-dir", str(self.project_dir),
                 "--target-path", str(self.target), "--log-path", str(self.logs)]
        if as_of:
            flags += ["--vars", json.dumps(dbt_vars(as_of))]
        return flags


def dbt_invocation_env(paths: Paths) -> dict[str, str]:
    """Environment dbt needs: where the build warehouse is, and DuckDB's share of the machine."""
    return DbtPlace.of_home(paths).environment()


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
    return DbtPlace.of_home(paths, target_path).flags(as_of)


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
def environment_set(values: dict[str, str]) -> Iterator[None]:
    """The process environment with ``values`` set, restored afterwards: a dbt subprocess started
    inside copies them, and a later run in the same process (another home, a test) does not see them."""
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


@contextmanager
def _in_process(place: DbtPlace, command: list[str]) -> Iterator[None]:
    """The environment, argv and warehouse release around one in-process dbt command."""
    with environment_set(place.environment()), _argv(["dbt", *command]):
        try:
            yield
        finally:
            _release_warehouse()


def _parsed_manifest(place: DbtPlace, command: list[str]):
    """The project's manifest, parsed without command-line vars (see core/dbt_parse.py).

    None for a project other than this repository's (a test's edited copy), and for a ``parse`` with
    options of its own (``--warn-error-options``): dbt parses those itself.
    """
    from dbt.cli.main import dbtRunner

    if (command[:1] == ["parse"] and command != ["parse"]) or place.project_dir != DBT_PROJECT_DIR:
        return None
    manifest = dbt_parse.cached(place.build_db.stem)
    if manifest is not None:
        return manifest
    parsed = dbtRunner().invoke(["parse", *place.flags(), *NO_CONSOLE_LOG])
    if parsed.exception is None and parsed.success and parsed.result is not None \
            and not dbt_parse.parsed_here(parsed.result):
        # dbt's partial parse state in the target was left by a checkout elsewhere (a moved or
        # second clone reusing the home): its seeds would point at files that are not there
        (place.target / dbt_parse.DBT_PARSE_STATE).unlink(missing_ok=True)
        parsed = dbtRunner().invoke(["parse", *place.flags(), *NO_CONSOLE_LOG])
    if parsed.exception is not None or not parsed.success:
        raise DbtError(f"dbt {' '.join(command)} could not run: the project does not parse: "
                       f"{parsed.exception or 'see the dbt log in ' + str(place.logs)}")
    dbt_parse.remember(place.build_db.stem, parsed.result, place.target)
    return parsed.result


def run_dbt(paths: Paths, command: list[str], as_of: AsOfLike = None,
            on_node: Callable[[str, str], None] | None = None, target_path: Path | None = None) -> DbtBuildResult:
    """Run one dbt command (e.g. ``["build"]``) on a home's build warehouse and summarise node results.

    ``on_node(name, status)`` is called as each node finishes, for progress display.
    """
    paths.ensure()
    return invoke_dbt(DbtPlace.of_home(paths, target_path), command, as_of, on_node)


def invoke_dbt(place: DbtPlace, command: list[str], as_of: AsOfLike = None,
               on_node: Callable[[str, str], None] | None = None) -> DbtBuildResult:
    """Run one dbt command in this process at ``place``; :class:`DbtError` when dbt could not run."""
    import time

    from dbt.cli.main import dbtRunner

    logged_errors: list[str] = []

    def callback(event) -> None:
        if event.info.level == "error":
            logged_errors.append(event.info.msg)
        if on_node is None or event.info.name != "NodeFinished":
            return
        node = event.data.node_info
        on_node(node.unique_id, node.node_status)

    started = time.perf_counter()
    if command == ["parse"] and place.project_dir == DBT_PROJECT_DIR:
        return _parse(place, started)
    with _in_process(place, command):
        manifest = _parsed_manifest(place, command)
        runner = dbtRunner(manifest=manifest, callbacks=[callback])
        result = runner.invoke([*command, *place.flags(as_of), *NO_CONSOLE_LOG])
        if manifest is not None:  # after the command: dbt's flags are set by then
            dbt_parse.ensure_written(manifest, place.target)
    seconds = time.perf_counter() - started
    if result.exception is not None:
        raise DbtError(f"dbt {' '.join(command)} could not run: {result.exception}")
    counts: dict[str, int] = {}
    failures: list[str] = []
    nodes: list[NodeResult] = []
    for node_result in getattr(result.result, "results", []) or []:
        status = str(node_result.status)
        counts[status] = counts.get(status, 0) + 1
        node = getattr(node_result, "node", None)
        unique_id = node.unique_id if node is not None else node_result.unique_id
        if status in {"error", "fail"}:
            failures.append(f"{unique_id}: {node_result.message}")
        if node is None:  # a run-operation: its macro, not a node of the graph
            nodes.append(NodeResult(unique_id, "operation", unique_id.rsplit(".", 1)[-1], status, node_result.message))
            continue
        relation = (f"{node.schema}.{getattr(node, 'alias', None) or node.name}"
                    if node.resource_type in ("model", "seed", "snapshot") else None)
        nodes.append(NodeResult(node.unique_id, str(node.resource_type), node.name, status,
                                node_result.message, relation, getattr(node_result, "failures", None)))
    return DbtBuildResult(success=bool(result.success), counts=counts, failures=failures, seconds=seconds,
                          nodes=nodes, errors=logged_errors)


def _parse(place: DbtPlace, started: float) -> DbtBuildResult:
    """``dbt parse``: the project's manifest (parsed, or the same project's saved parse) written to the target."""
    import time

    try:
        with _in_process(place, ["parse"]):
            manifest = _parsed_manifest(place, ["parse"])
            dbt_parse.ensure_written(manifest, place.target)
    except DbtError as exc:
        return DbtBuildResult(success=False, failures=[str(exc)], seconds=time.perf_counter() - started)
    return DbtBuildResult(success=True, seconds=time.perf_counter() - started)


def invoke_dbt_like_cli(place: DbtPlace, command: list[str],
                        as_of: AsOfLike = None) -> subprocess.CompletedProcess[str]:
    """:func:`invoke_dbt`, answered as the dbt CLI answers: exit code 0 (success), 1 (a node failed)
    or 2 (dbt could not run), and what went wrong as the output.

    For the tests and benchmarks that build warehouse files of their own: in process they share one
    parse of the project instead of each dbt process parsing it again.
    """
    try:
        result = invoke_dbt(place, command, as_of)
    except DbtError as error:
        return subprocess.CompletedProcess(["dbt", *command], 2, str(error), "")
    return subprocess.CompletedProcess(["dbt", *command], 0 if result.success else 1,
                                       "\n".join([*result.failures, *result.errors]), "")
