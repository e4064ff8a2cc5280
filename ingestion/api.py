"""Pull vendor APIs into the build warehouse: one dlt pipeline per system, the same one files use.

``load_from_api`` is the API twin of :func:`ingestion.load.load_landing`. It discovers the
connectors in ``ingestion/sources/<vendor>/source.py`` (each defines ``SYSTEM`` and a
``@dlt.source`` called ``source``), runs each chosen one with
:func:`ingestion.load.make_pipeline` (pipeline ``cdw_<system>``, dataset ``raw_<system>``), so
API rows, file rows and their incremental state live side by side, and returns a
:class:`~ingestion.load.LoadResult`.

Credentials and start dates come from dlt config/secrets or environment variables (see
``ingestion/sources/README.md``); ``vendor_overrides`` passes extra arguments to a system's
``source()`` (``{"shopify": {"base_url": "http://127.0.0.1:8000"}}``). Nothing here logs or
returns argument values: only system names, table names and counts.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb

import ingestion.sources
from core.contracts import SystemContract, load_contracts
from core.sql import quote_relation
from ingestion.landing_source import QUARANTINE_TABLE
from ingestion.load import DLT_DEFAULTS, LoadResult, count_raw_rows, make_pipeline, run_pipeline

Progress = Callable[[str], None]


class ApiSourceError(RuntimeError):
    """A connector is missing, malformed, or its run failed (the message names the system)."""


def available_systems() -> list[str]:
    """Vendor packages under ``ingestion/sources/`` (each should hold a ``source.py``)."""
    return sorted(info.name for info in pkgutil.iter_modules(ingestion.sources.__path__)
                  if info.ispkg and not info.name.startswith("_"))


def connector(system: str) -> ModuleType:
    """The ``source`` module of one vendor package, checked to follow the convention."""
    if system not in available_systems():
        raise ApiSourceError(f"no API connector for {system!r}; available: {', '.join(available_systems())}")
    try:
        module = importlib.import_module(f"ingestion.sources.{system}.source")
    except ModuleNotFoundError as error:
        raise ApiSourceError(f"ingestion/sources/{system}/ has no source.py ({error.name})") from error
    if getattr(module, "SYSTEM", None) != system or not callable(getattr(module, "source", None)):
        raise ApiSourceError(f"ingestion.sources.{system}.source must define SYSTEM = {system!r} and source()")
    return module


def load_from_api(
    systems: list[str] | None,
    warehouse: Path,
    pipelines_dir: Path,
    vendor_overrides: Mapping[str, Mapping[str, Any]] | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    """Run the API connectors of ``systems`` (default: every connector with a landing contract).

    ``LoadResult.landed`` counts the rows each table received this run, ``quarantined`` the rows
    quarantined this run per table and reason, ``table_rows`` every raw table after the run.
    Raises :class:`ApiSourceError` naming the system whose run failed; systems loaded before it
    stay loaded. ``warehouse`` must not be open for writing by another process.
    """
    for key, value in DLT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    say = progress or (lambda _message: None)
    contracts = load_contracts()
    chosen = _choose(systems, contracts)
    overrides = vendor_overrides or {}
    Path(warehouse).parent.mkdir(parents=True, exist_ok=True)
    result = LoadResult()
    started = time.perf_counter()
    for system in chosen:
        module = connector(system)
        system_started = time.perf_counter()
        say(f"{system}: pulling from the vendor API")
        _run(system, module, contracts[system], Path(warehouse), Path(pipelines_dir), overrides.get(system, {}),
             result)
        result.system_seconds[system] = round(time.perf_counter() - system_started, 3)
        landed = sum(n for key, n in result.landed.items() if key.startswith(f"{contracts[system].schema}."))
        quarantined = sum(sum(r.values()) for key, r in result.quarantined.items()
                          if key.startswith(f"{contracts[system].schema}."))
        say(f"{system}: {landed:,} row(s) landed, {quarantined:,} quarantined in {result.system_seconds[system]:.1f} s")
    result.table_rows = count_raw_rows(Path(warehouse), [contracts[s] for s in chosen])
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def _choose(systems: list[str] | None, contracts: Mapping[str, SystemContract]) -> list[str]:
    if systems is None:
        return [s for s in available_systems() if s in contracts]
    unknown = sorted(set(systems) - set(contracts))
    if unknown:
        known = ", ".join(sorted(contracts))
        raise ValueError(f"no landing contract for system(s) {', '.join(unknown)}; known: {known}")
    return list(dict.fromkeys(systems))


def _run(system: str, module: ModuleType, contract: SystemContract, warehouse: Path, pipelines_dir: Path,
         overrides: Mapping[str, Any], result: LoadResult) -> None:
    run_started = datetime.now(UTC)
    try:
        # an interrupted earlier run's pending package is finished first, then this run's pages load
        run = run_pipeline(lambda: make_pipeline(system, contract.schema, warehouse, pipelines_dir),
                           module.source(**overrides))
    except Exception as error:
        raise ApiSourceError(f"{system}: API load failed: {_root_cause(error)}") from error
    result.resumed_packages.extend(run.resumed)
    trace = run.pipeline.last_trace
    counts = trace.last_normalize_info.row_counts if trace and trace.last_normalize_info else {}
    for table in contract.tables:
        if table.name in counts:
            result.landed[table.qualified_name] = counts[table.name]
    if QUARANTINE_TABLE in counts:
        for table_name, reasons in _quarantined_since(warehouse, contract.schema, run_started).items():
            result.quarantined[f"{contract.schema}.{table_name}"] = reasons


def _root_cause(error: BaseException) -> str:
    """The innermost exception's type and message (dlt wraps a connector's error several times)."""
    while True:
        inner = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
        if inner is None:
            return f"{type(error).__name__}: {error}"
        error = inner


def _quarantined_since(warehouse: Path, schema: str, since: datetime) -> dict[str, dict[str, int]]:
    """Quarantine rows (re)written by this run, per table and reason."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            f"SELECT table_name, reason, count(*) FROM {quote_relation(f'{schema}.{QUARANTINE_TABLE}')} "
            "WHERE quarantined_at >= ? GROUP BY ALL ORDER BY ALL", [since]).fetchall()
    out: dict[str, dict[str, int]] = {}
    for table_name, reason, count in rows:
        out.setdefault(table_name, {})[reason] = count
    return out
