"""Apply rules to relations in the build warehouse with GX's pandas engine, batch by batch.

GX 1.24's SQLAlchemy path on DuckDB is broken, so frames are read from DuckDB as Arrow record
batches and validated with GX's pandas datasource. Row rules run chunk by chunk (memory stays
bounded whatever the table size) and their counts are summed; table rules (uniqueness) read only
their own columns. Every result is stored in ``audit.validation_results``.
"""

from __future__ import annotations

import logging
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import pandas as pd

from expectations.rules import Rule

CHUNK_ROWS = 250_000
MAX_EXAMPLES = 5
RESULTS_TABLE = "audit.validation_results"


@dataclass
class RuleOutcome:
    rule: Rule
    success: bool
    element_count: int = 0
    unexpected_count: int = 0
    examples: list[str] = field(default_factory=list)
    observed_value: str | None = None
    error: str | None = None


@dataclass
class CheckReport:
    run_id: str
    outcomes: list[RuleOutcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def blocking_failures(self) -> list[str]:
        return [_describe(o) for o in self.outcomes if not o.success and o.rule.severity == "error"]

    @property
    def warnings(self) -> list[str]:
        return [_describe(o) for o in self.outcomes if not o.success and o.rule.severity == "warn"]

    @property
    def passed(self) -> int:
        return sum(o.success for o in self.outcomes)

    def by_suite(self) -> dict[str, tuple[int, int]]:
        """suite -> (passed, total)."""
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for outcome in self.outcomes:
            totals[outcome.rule.suite][0] += outcome.success
            totals[outcome.rule.suite][1] += 1
        return {suite: (p, t) for suite, (p, t) in sorted(totals.items())}


def _describe(outcome: RuleOutcome) -> str:
    detail = outcome.error or f"{outcome.unexpected_count} of {outcome.element_count} rows unexpected"
    return f"{outcome.rule.relation} {outcome.rule.name}: {detail}"


def mask(value: object) -> str:
    """Keep the shape of a personal value but not the value: 'jane@gmail.com' -> 'j***@g***'."""
    text = str(value)
    if "@" in text:
        local, _, domain = text.partition("@")
        return f"{local[:1]}***@{domain[:1]}***"
    return f"{text[:1]}***" if text else text


class _Validator:
    """One ephemeral GX context reused for every frame of a run."""

    def __init__(self) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        for name in ("great_expectations", "great_expectations.data_context.types.base"):
            logging.getLogger(name).setLevel(logging.ERROR)
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self._gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        source = self.context.data_sources.add_pandas("warehouse_frames")
        self.batch_definition = source.add_dataframe_asset("frame").add_batch_definition_whole_dataframe("whole")

    def validate(self, frame: pd.DataFrame, rules: list[Rule]) -> list[dict]:
        suite = self._gx.ExpectationSuite(name="batch", expectations=[r.expectation for r in rules])
        batch = self.batch_definition.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(suite, result_format={"result_format": "SUMMARY",
                                                      "partial_unexpected_count": MAX_EXAMPLES})
        return [{"success": r.success, "result": r.result or {},
                 "error": (r.exception_info or {}).get("exception_message") if not r.success else None}
                for r in result.results]


def _read_chunks(con: duckdb.DuckDBPyConnection, relation: str, columns: tuple[str, ...], where: str | None):
    column_sql = ", ".join(f'"{c}"' for c in columns)
    sql = f"select {column_sql} from {relation}" + (f" where {where}" if where else "")
    reader = con.sql(sql).to_arrow_reader(CHUNK_ROWS)
    for record_batch in reader:
        yield record_batch.to_pandas()


def _accumulate(outcome: RuleOutcome, raw: dict) -> None:
    result = raw["result"]
    outcome.success = outcome.success and bool(raw["success"])
    outcome.element_count += int(result.get("element_count") or 0)
    outcome.unexpected_count += int(result.get("unexpected_count") or 0)
    if raw.get("error"):
        outcome.error = str(raw["error"])[:300]
    if "observed_value" in result:
        outcome.observed_value = str(result["observed_value"])[:300]
    examples = result.get("partial_unexpected_list") or []
    pii = set(outcome.rule.pii_columns) & set(outcome.rule.columns)
    for example in examples[: MAX_EXAMPLES - len(outcome.examples)]:
        outcome.examples.append(mask(example) if pii else str(example)[:120])


def validate_rules(con: duckdb.DuckDBPyConnection, rules: list[Rule], run_id: str) -> CheckReport:
    """Validate every rule; a relation that cannot be read fails its rules with the reason."""
    started = time.perf_counter()
    validator = _Validator()
    report = CheckReport(run_id=run_id)
    groups: dict[tuple[str, str | None, str], list[Rule]] = defaultdict(list)
    for rule in rules:
        groups[(rule.relation, rule.where, rule.scope)].append(rule)
    for (relation, where, scope), group in groups.items():
        outcomes = [RuleOutcome(rule=r, success=True) for r in group]
        try:
            if scope == "row":
                columns = tuple(sorted({c for r in group for c in r.columns}))
                for frame in _read_chunks(con, relation, columns, where):
                    for outcome, raw in zip(outcomes, validator.validate(frame, group), strict=True):
                        _accumulate(outcome, raw)
            else:
                for outcome in outcomes:
                    columns = tuple(sorted(set(outcome.rule.columns)))
                    frame = pd.concat(list(_read_chunks(con, relation, columns, where)) or [pd.DataFrame()])
                    _accumulate(outcome, validator.validate(frame, [outcome.rule])[0])
        except duckdb.Error as exc:
            for outcome in outcomes:
                outcome.success, outcome.error = False, f"cannot read {relation}: {exc}"
        report.outcomes.extend(outcomes)
    report.seconds = time.perf_counter() - started
    return report


def store_report(con: duckdb.DuckDBPyConnection, report: CheckReport) -> None:
    """Append the run's results to ``audit.validation_results`` (re-running a run id replaces it)."""
    con.execute("create schema if not exists audit")
    con.execute(
        f"""
        create table if not exists {RESULTS_TABLE} (
            run_id varchar, validated_at timestamptz, suite varchar, relation varchar, expectation varchar,
            severity varchar, success boolean, element_count bigint, unexpected_count bigint,
            unexpected_examples varchar[], observed_value varchar, error varchar
        )
        """
    )
    now = datetime.now(UTC)
    rows = [
        (report.run_id, now, o.rule.suite, o.rule.relation, o.rule.name, o.rule.severity, o.success,
         o.element_count, o.unexpected_count, o.examples, o.observed_value, o.error)
        for o in report.outcomes
    ]
    con.execute(f"delete from {RESULTS_TABLE} where run_id = ?", [report.run_id])
    if rows:
        con.executemany(f"insert into {RESULTS_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
