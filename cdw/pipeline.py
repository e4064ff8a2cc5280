"""The main job as plain functions: generate -> ingest -> build -> check -> publish.

The CLI, the benchmark and the tests call these; Dagster assets call the same functions, so there
is one implementation of each step whoever runs it.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from cdw.publish import PublishResult, publish
from core.dbt import DbtBuildResult, run_dbt
from core.settings import DEFAULT_DEMO_CUSTOMERS, DEFAULT_DEMO_SEED, Paths

Progress = Callable[[str], None]


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def demo_end_date(paths: Paths) -> date | None:
    """The last day of the demo data, so a demo run is reproducible (it is the run's as_of)."""
    manifest = paths.truth / "manifest.json"
    if not manifest.exists():
        return None
    return date.fromisoformat(json.loads(manifest.read_text())["end_date"])


def step_generate(paths: Paths, customers: int = DEFAULT_DEMO_CUSTOMERS, seed: int = DEFAULT_DEMO_SEED):
    from demo.generate import generate

    paths.ensure()
    return generate(paths.demo_landing, paths.truth, customers=customers, seed=seed)


SOURCES = ("demo", "drops", "api")


@dataclass
class IngestOutcome:
    """What an ingest step did, whichever path the data came by."""

    load: object  # ingestion.load.LoadResult
    rejected: list[str] = field(default_factory=list)  # "file: problem" for export files refused whole

    @property
    def ok(self) -> bool:
        return not self.rejected


def step_ingest(paths: Paths, source: str = "demo", landing: Path | None = None, systems: list[str] | None = None,
                force: bool = False, progress: Progress | None = None) -> IngestOutcome:
    """Land raw data: demo vendor files, vendor export files dropped in the landing folder, or vendor APIs."""
    paths.ensure()
    if source == "demo":
        from ingestion.load import load_landing

        return IngestOutcome(load_landing(landing or paths.demo_landing, paths.build_db, paths.dlt_dir,
                                          systems=systems, force=force, progress=progress))
    if source == "drops":
        from ingestion.file_drops import load_drops

        result = load_drops(landing or paths.landing, paths.build_db, paths.dlt_dir, progress=progress,
                            systems=systems, force=force)
        return IngestOutcome(result.load, rejected=[f"{e.path}: {e.problem}" for e in result.rejected])
    if source == "api":
        from core.contracts import load_contracts
        from ingestion.api import load_from_api

        chosen = systems or sorted(load_contracts())
        return IngestOutcome(load_from_api(chosen, paths.build_db, paths.dlt_dir, progress=progress))
    raise ValueError(f"unknown source {source!r}: choose one of {', '.join(SOURCES)}")


def step_build(paths: Paths, as_of: date | None = None, full_refresh: bool = False,
               on_node: Callable[[str, str], None] | None = None, unit_tests: bool = False) -> DbtBuildResult:
    """dbt build: models, seeds and data tests.

    dbt unit tests check SQL logic on fixed inputs, not the data: like dbt recommends, they run in
    development and CI (``make test`` builds every one of them) and are left out of production runs
    unless asked for (``unit_tests=True``, ``cdw build --unit-tests``).
    """
    command = ["build"] + (["--full-refresh"] if full_refresh else [])
    command += [] if unit_tests else ["--exclude-resource-type", "unit_test"]
    return run_dbt(paths, command, as_of=as_of, on_node=on_node)


def step_check(paths: Paths, run_id: str, suites: list[str] | None = None, data_docs: bool = True):
    """Run every Great Expectations suite (or ``suites``) on the build warehouse.

    Results go to ``audit.validation_results``; the GX Data Docs site under ``<home>/data_docs`` is
    rebuilt (a failure to render it is logged, never fatal: the results are already stored).
    """
    import logging

    from cdw.steps.check import governance_rules
    from expectations.runner import store_report, validate_rules

    con = duckdb.connect(str(paths.build_db))
    try:
        report = validate_rules(con, governance_rules(con, suites), run_id)
        store_report(con, report)
    finally:
        con.close()
    if data_docs:
        from expectations.data_docs import build_data_docs

        try:
            report.data_docs = build_data_docs(report, paths.home)
        except Exception as exc:  # rendering is a convenience; the stored results are the record
            logging.getLogger(__name__).warning("GX Data Docs not built: %s", exc)
    return report


def step_clv(paths: Paths, as_of: date | None):
    """Fit BG/NBD + Gamma-Gamma on the stitched orders and score every customer (marts.customer_clv).

    Returns the fit result, or the reason nothing was refitted (too few repeat buyers, marts missing).
    """
    from clv.run import InsufficientRepeatBuyersError, fit_and_score_with_config
    from clv.run import load_config as load_clv_config
    from clv.transactions import TRANSACTIONS_SQL, missing_inputs

    con = duckdb.connect(str(paths.build_db))
    try:
        missing = missing_inputs(con)
        if missing:
            return f"skipped: {', '.join(missing)} is not built"
        try:
            return fit_and_score_with_config(con, TRANSACTIONS_SQL, as_of or datetime.now(UTC).date(),
                                             load_clv_config())
        except InsufficientRepeatBuyersError as exc:
            return f"not refitted: {exc}"
    finally:
        con.close()


def step_publish(paths: Paths, blocking_failures: list[str], run_id: str,
                 parquet: bool | None = None) -> PublishResult:
    """Publish when nothing blocks (analytics + restricted schemas; Parquet too when asked or CDW_PUBLISH_PARQUET)."""
    return publish(paths, blocking_failures, run_id, parquet=parquet)


@dataclass
class RunRecord:
    """What one run of the main job did; written to ``<home>/runs/<run_id>.json``."""

    run_id: str
    started_at: str
    status: str = "running"
    as_of: str | None = None
    steps: dict[str, dict] = field(default_factory=dict)
    error: str | None = None

    def save(self, paths: Paths) -> Path:
        paths.runs_dir.mkdir(parents=True, exist_ok=True)
        target = paths.runs_dir / f"{self.run_id}.json"
        target.write_text(json.dumps(asdict(self), indent=2, default=str))
        return target


def latest_run(paths: Paths) -> RunRecord | None:
    runs = sorted(paths.runs_dir.glob("*.json")) if paths.runs_dir.exists() else []
    if not runs:
        return None
    return RunRecord(**json.loads(runs[-1].read_text()))


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - started
