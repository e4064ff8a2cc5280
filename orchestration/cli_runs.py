"""Record a command-line run in the Dagster instance, so the UI shows what the warehouse really is.

The command line runs the steps itself (no Dagster definitions are loaded: it starts faster and
keeps its own progress display), then reports what it did to the instance under
``<CDW_HOME>/dagster`` with Dagster's API for work done outside Dagster
(``DagsterInstance.report_runless_asset_event``), on the same asset and check keys the code
location defines:

* every raw table and quarantine: a materialization (rows landed this run, row count, when rows
  last landed), its ``landing_contract`` check, and its freshness check (evaluated like the
  freshness sensor does: newest landed row against the configured lag);
* every dbt model, seed and snapshot dbt built: a materialization (row count, masked preview);
  every dbt test attached to one: its check (the key dagster-dbt gives it);
* the CLV scores and the serving warehouse: a materialization;
* every mart the governance suites cover: its ``governance_rules`` check.

Checks are linked to the materialization they evaluated, so the UI shows them as current.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import dagster as dg
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData,
)
from dagster_dbt.asset_utils import get_asset_check_key_for_test

from cdw.context import RunContext
from cdw.records import RunRecord
from core.contracts import load_contracts
from core.dbt import DbtBuildResult
from core.settings import REPO_ROOT, Paths
from expectations.runner import CheckReport
from orchestration.checks import check_result
from orchestration.config import load_config
from orchestration.keys import CLV_SCORES, LANDING_CHECK, MATCH_SUGGESTIONS, SERVING, raw_asset_key
from orchestration.ownership import asset_path
from orchestration.table_metadata import LAST_UPDATED_KEY, read_metadata
from orchestration.translator import BUILT_TYPES, TRANSLATOR, governed_models

FRESHNESS_CHECK = "freshness_check"
GOVERNANCE_CHECK = "governance_rules"
RUN_TAG = "cdw/cli_run"


def dagster_instance(paths: Paths) -> dg.DagsterInstance:
    """The instance under ``<home>/dagster``, configured by the repository's ``dagster.yaml``."""
    home = paths.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = (REPO_ROOT / "dagster.yaml").read_text()
    target = home / "dagster.yaml"
    if not target.exists() or target.read_text() != config:
        target.write_text(config)
    os.environ["DAGSTER_HOME"] = str(home)  # dagster.yaml places its storage under $DAGSTER_HOME
    return dg.DagsterInstance.from_config(str(home))


class DagsterMirror:
    """Reports each step's work to the instance in a background thread while the run goes on.

    Writing one event costs Dagster's SQLite storage about 10-15 ms; a run reports close to a
    thousand (every dbt test is a check), so the reporting overlaps the following steps instead of
    adding to the run. :meth:`finish` waits for the queue and returns how many events were written.
    Reporting is a mirror: a failure is logged, never raised into the run.
    """

    def __init__(self, ctx: RunContext, record: RunRecord) -> None:
        self.ctx, self.record = ctx, record
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dagster-mirror")
        self._reporter: _Reporter | None = None
        self._futures: list[Future] = []
        self.errors: list[str] = []

    def _with_reporter(self, fn: Callable[[_Reporter], None]) -> None:
        if self._reporter is None:
            self._reporter = _Reporter(self.ctx, self.record, dagster_instance(self.ctx.paths))
        fn(self._reporter)

    def step(self, name: str, value: Any, ctx: RunContext | None = None) -> None:
        """Queue the report of one finished step (``ctx``: the run's context as of now)."""
        if ctx is not None:
            self.ctx = ctx
        work = _STEP_REPORTS.get(name)
        if work is None or value is None:
            return
        self._futures.append(self._pool.submit(self._with_reporter, lambda r: work(r, value)))

    def finish(self) -> int:
        for future in self._futures:
            try:
                future.result()
            except Exception as exc:  # the warehouse is the record; the UI mirror must not fail a run
                self.errors.append(f"{type(exc).__name__}: {exc}")
        self._pool.shutdown(wait=True)
        count = self._reporter.count if self._reporter else 0
        if self._reporter is not None:
            self._reporter.instance.dispose()
        return count


def _report_dbt(reporter: _Reporter, built: DbtBuildResult) -> None:
    manifest = _manifest(reporter.ctx.paths)
    if manifest:
        reporter.dbt(built, manifest)


def _report_clv(reporter: _Reporter, outcome: Any) -> None:
    if outcome.status != "skipped":
        reporter.materialize(CLV_SCORES, {"status": outcome.status, "as_of": str(outcome.as_of),
                                          "result": outcome.message}, "marts.customer_clv")


def _report_suggest(reporter: _Reporter, result: Any) -> None:
    reporter.materialize(MATCH_SUGGESTIONS, {"profiles": result.profiles, "pairs_suggested": result.pairs_suggested,
                                             "pairs_auto_merge": result.pairs_auto_merge,
                                             "model": result.model or "none",
                                             "dagster/row_count": result.pairs_suggested})


def _report_publish(reporter: _Reporter, published: Any) -> None:
    reporter.materialize(SERVING, {"tables": len(published.tables), "path": str(published.serving_db),
                                   "dagster/row_count": sum(published.tables.values())})


_STEP_REPORTS: dict[str, Callable[[Any, Any], None]] = {
    "ingest": lambda reporter, outcome: reporter.raw_tables(outcome),
    "build": _report_dbt,
    "build_after_clv": _report_dbt,
    "clv": _report_clv,
    "suggest": _report_suggest,
    "check": lambda reporter, report: reporter.checks(report, _manifest(reporter.ctx.paths)),
    "publish": _report_publish,
}


def report_run(ctx: RunContext, record: RunRecord, values: dict[str, Any]) -> int:
    """Report a finished run's steps in one go (what :class:`DagsterMirror` does while a run goes on)."""
    mirror = DagsterMirror(ctx, record)
    for name in _STEP_REPORTS:
        mirror.step(name, values.get(name))
    count = mirror.finish()
    if mirror.errors:
        raise RuntimeError("; ".join(mirror.errors))
    return count


def _manifest(paths: Paths) -> dict[str, Any] | None:
    path = paths.home / "dbt" / "target" / "manifest.json"
    return json.loads(path.read_text()) if path.exists() else None


class _Reporter:
    def __init__(self, ctx: RunContext, record: RunRecord, instance: dg.DagsterInstance) -> None:
        self.ctx, self.record, self.instance = ctx, record, instance
        self.count = 0
        self.tags = {RUN_TAG: record.run_id, "cdw/as_of": ctx.as_of.day.isoformat()}
        self._targets: dict[dg.AssetKey, AssetCheckEvaluationTargetMaterializationData | None] = {}

    def _emit(self, event: Any) -> None:
        self.instance.report_runless_asset_event(event)
        self.count += 1
        if isinstance(event, dg.AssetMaterialization):
            self._targets.pop(event.asset_key, None)

    def _load_targets(self, keys: set[dg.AssetKey]) -> None:
        """The latest materialization of each of ``keys``, read in one query (a check links to it)."""
        wanted = [key for key in keys if key not in self._targets]
        if not wanted:
            return
        for key in wanted:
            self._targets[key] = None
        for found in self.instance.get_asset_records(wanted):
            record = found.asset_entry.last_materialization_record
            if record is not None:
                self._targets[found.asset_entry.asset_key] = AssetCheckEvaluationTargetMaterializationData(
                    storage_id=record.storage_id, run_id=record.run_id, timestamp=record.timestamp)

    def _target(self, key: dg.AssetKey) -> AssetCheckEvaluationTargetMaterializationData | None:
        self._load_targets({key})
        return self._targets[key]

    def materialize(self, key: dg.AssetKey, metadata: dict[str, Any], relation: str | None = None) -> None:
        extra = read_metadata(self.ctx.paths.build_db, {key: relation}, shared=True).get(key, {}) if relation else {}
        self._emit(dg.AssetMaterialization(asset_key=key, metadata={**metadata, **extra,
                                                                    "cdw/run_id": self.record.run_id},
                                           tags=self.tags))

    def check(self, key: dg.AssetKey, name: str, result: dg.AssetCheckResult | None = None, *,
              passed: bool | None = None, metadata: dict[str, Any] | None = None, description: str | None = None,
              severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR) -> None:
        if result is not None:
            passed, metadata, description, severity = (result.passed, dict(result.metadata or {}),
                                                       result.description, result.severity)
        self._emit(dg.AssetCheckEvaluation(asset_key=key, check_name=name, passed=bool(passed),
                                           metadata={**(metadata or {}), "cdw/run_id": self.record.run_id},
                                           target_materialization_data=self._target(key), severity=severity,
                                           description=description))

    # -- raw ---------------------------------------------------------------------------------

    def raw_tables(self, outcome: Any) -> None:
        load = outcome.load
        contracts = load_contracts()
        relations = {raw_asset_key(c.schema, t.name): t.qualified_name for c in contracts.values() for t in c.tables}
        relations |= {raw_asset_key(c.schema, "quarantine"): f"{c.schema}.quarantine" for c in contracts.values()}
        metadata = read_metadata(self.ctx.paths.build_db, relations, shared=True)
        for key, relation in relations.items():
            reasons = load.quarantined.get(relation, {})
            self._emit(dg.AssetMaterialization(asset_key=key, tags=self.tags, metadata={
                "rows_landed": load.landed.get(relation, 0), "rows_quarantined": sum(reasons.values()),
                "source": self.ctx.source, "cdw/run_id": self.record.run_id, **metadata.get(key, {})}))
        self._load_targets(set(relations))
        self._freshness(metadata, relations)

    def _freshness(self, metadata: dict[dg.AssetKey, dict], relations: dict[dg.AssetKey, str]) -> None:
        """The freshness check of every raw table of a system switched on, evaluated as the sensor does."""
        config = load_config()
        now = datetime.now(UTC)
        schemas = {load_contracts()[s].schema for s in self.ctx.systems}
        for key in relations:
            if key.path[0] not in schemas or key.path[-1] == "quarantine":
                continue
            lag = config.freshness.max_lag(asset_path(key))
            last = metadata.get(key, {}).get(LAST_UPDATED_KEY)
            if last is None:
                self.check(key, FRESHNESS_CHECK, passed=False, severity=dg.AssetCheckSeverity.WARN,
                           description="no rows have landed in this table yet",
                           metadata={"dagster/freshness_params": {"lower_bound_delta_seconds": lag.total_seconds()}})
                continue
            landed = datetime.fromtimestamp(last.value, UTC)
            fresh = now - landed <= lag
            self.check(key, FRESHNESS_CHECK, passed=fresh, severity=dg.AssetCheckSeverity.WARN,
                       description=None if fresh else f"newest rows landed {now - landed} ago (allowed: {lag})",
                       metadata={"last_updated_timestamp": last, "allowed_lag_seconds": lag.total_seconds()})

    # -- dbt ---------------------------------------------------------------------------------

    def dbt(self, built: DbtBuildResult, manifest: dict[str, Any]) -> None:
        nodes = manifest.get("nodes", {})
        models = {r.unique_id: r for r in built.nodes if r.resource_type in BUILT_TYPES and r.status == "success"}
        relations = {TRANSLATOR.get_asset_key(nodes[uid]): r.relation for uid, r in models.items()
                     if uid in nodes and r.relation}
        metadata = read_metadata(self.ctx.paths.build_db, relations, shared=True)
        for key in relations:
            self._emit(dg.AssetMaterialization(asset_key=key, tags=self.tags, metadata={
                "cdw/run_id": self.record.run_id, **metadata.get(key, {})}))
        tests = [(result, get_asset_check_key_for_test(manifest, TRANSLATOR, result.unique_id, None))
                 for result in built.nodes if result.resource_type == "test" and result.unique_id in nodes]
        tests = [(result, check_key) for result, check_key in tests if check_key is not None]
        self._load_targets({check_key.asset_key for _, check_key in tests})
        for result, check_key in tests:
            self.check(check_key.asset_key, check_key.name, passed=result.status == "pass",
                       severity=dg.AssetCheckSeverity.WARN if result.status == "warn" else dg.AssetCheckSeverity.ERROR,
                       description=result.message if result.status != "pass" else None,
                       metadata={"status": result.status, "failed_rows": result.failures or 0})

    # -- Great Expectations ------------------------------------------------------------------

    def checks(self, report: CheckReport, manifest: dict[str, Any] | None) -> None:
        governed = governed_models(manifest) if manifest else {}
        self._load_targets({raw_asset_key(c.schema, t.name) for c in load_contracts().values() for t in c.tables}
                           | set(governed))
        by_relation: dict[str, list] = defaultdict(list)
        for outcome in report.outcomes:
            by_relation[outcome.rule.relation.lower()].append(outcome)
        for contract in load_contracts().values():
            for table in contract.tables:
                part = CheckReport(run_id=report.run_id, outcomes=by_relation.get(table.qualified_name.lower(), []))
                key = raw_asset_key(contract.schema, table.name)
                self.check(key, LANDING_CHECK, check_result(part, key, LANDING_CHECK))
        for key, relation in governed.items():
            outcomes = [o for o in by_relation.get(relation.lower(), []) if o.rule.suite != "landing"]
            result = check_result(CheckReport(run_id=report.run_id, outcomes=outcomes), key, GOVERNANCE_CHECK)
            self.check(key, GOVERNANCE_CHECK, result)
