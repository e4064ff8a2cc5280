"""Apply rules to relations in the build warehouse with GX's pandas engine, batch by batch.

GX 1.24's SQLAlchemy path on DuckDB is broken, so frames are read from DuckDB as Arrow record
batches and validated with GX's pandas datasource. Row rules run chunk by chunk (memory stays
bounded whatever the table size) and their counts are summed; table rules (uniqueness) read only
their own columns (a raw table's, once it passed, only the rows of the keys its new load carries);
query rules read the rows of their query, also in chunks. Frames are judged in this process or, on a
large warehouse, in worker processes while the next ones are read (:mod:`expectations.judging`). A
rule whose relation or column does not exist yet is reported as "not built yet" (warn) when it asks
for that (``on_missing="warn"``), instead of failing. Every result is stored in
``audit.validation_results``.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.sql import quote_identifier
from core.validation_results import RESULTS_TABLE, passed_last_time
from expectations.catalog import Catalog
from expectations.judging import MAX_EXAMPLES, Done, InlineJudge, WorkerJudge, check_workers, open_judge
from expectations.rules import Rule

CHUNK_ROWS = 1_000_000
"""Rows per frame of a row rule. GX builds its metric graph again for every frame (about 0.1 s of
Python each), so fewer, larger frames: at 1M customers the check step took 95.3 s against 102.8 s
with 250,000 rows, at the same peak (5.7 GB)."""
BUCKET_ROWS = 2_000_000
"""Rows per bucket of a partitioned table rule (a uniqueness rule over a large table)."""


@dataclass
class RuleOutcome:
    rule: Rule
    success: bool
    element_count: int = 0
    unexpected_count: int = 0
    examples: list[str] = field(default_factory=list)
    observed_value: str | None = None
    error: str | None = None
    not_built: bool = False  # the relation or column does not exist yet (reported as a warning)


@dataclass
class CheckReport:
    run_id: str
    outcomes: list[RuleOutcome] = field(default_factory=list)
    seconds: float = 0.0
    data_docs: Path | None = None  # index.html of the GX Data Docs site, once built
    group_seconds: list[tuple[str, int, float]] = field(default_factory=list)
    """(relation, rules, seconds) per group of rules read together, in the order they ran: from its first
    read to its last frame judged (with worker processes, groups overlap)."""

    @property
    def blocking_failures(self) -> list[str]:
        return [_describe(o) for o in self.outcomes if not o.success and o.rule.severity == "error"]

    @property
    def warnings(self) -> list[str]:
        return [_describe(o) for o in self.outcomes if not o.success and o.rule.severity == "warn"]

    @property
    def passed(self) -> int:
        return sum(o.success for o in self.outcomes)

    @property
    def not_built(self) -> list[str]:
        """Relations some rule waits for (they are enforced once they exist)."""
        return sorted({o.rule.relation for o in self.outcomes if o.not_built})

    def only(self, relation: str) -> CheckReport:
        """The part of the report about one relation (``schema.table``)."""
        return CheckReport(run_id=self.run_id, outcomes=[o for o in self.outcomes
                                                         if o.rule.relation.lower() == relation.lower()],
                           seconds=self.seconds)

    def failed(self, severity: str | None = None) -> list[RuleOutcome]:
        return [o for o in self.outcomes if not o.success and (severity is None or o.rule.severity == severity)]

    def by_suite(self) -> dict[str, tuple[int, int]]:
        """suite -> (passed, total)."""
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for outcome in self.outcomes:
            totals[outcome.rule.suite][0] += outcome.success
            totals[outcome.rule.suite][1] += 1
        return {suite: (p, t) for suite, (p, t) in sorted(totals.items())}


def _describe(outcome: RuleOutcome) -> str:
    rule = outcome.rule
    if rule.plain and outcome.examples and not outcome.error:
        return f"{rule.description}: {'; '.join(outcome.examples[:5])}"
    if outcome.error:
        detail = outcome.error
    elif outcome.element_count or outcome.unexpected_count:
        detail = f"{outcome.unexpected_count} of {outcome.element_count} rows unexpected"
    else:
        detail = f"observed {outcome.observed_value}"
    if outcome.examples and not outcome.error:
        detail += f" (e.g. {'; '.join(outcome.examples[:3])})"
    label = f"{rule.family} {rule.name}" if rule.family else rule.name
    why = f" [{rule.description}]" if rule.description else ""
    return f"{rule.relation} {label}{why}: {detail}"


def mask(value: object) -> str:
    """Keep the shape of a personal value but not the value: 'jane@gmail.com' -> 'j***@g***'."""
    text = str(value)
    if "@" in text:
        local, _, domain = text.partition("@")
        return f"{local[:1]}***@{domain[:1]}***"
    return f"{text[:1]}***" if text else text


def _sql(relation: str, columns: tuple[str, ...], where: str | None, query: str | None) -> str:
    if query is not None:
        return f"select * from ({query}) as judged" + (f" where {where}" if where else "")
    column_sql = ", ".join(quote_identifier(c) for c in columns)
    return f"select {column_sql} from {relation}" + (f" where {where}" if where else "")


def _read_batches(con: duckdb.DuckDBPyConnection, relation: str, columns: tuple[str, ...], where: str | None,
                  query: str | None = None):
    """Arrow batches of at most CHUNK_ROWS rows; one empty batch (with its columns) when there are no rows."""
    reader = con.sql(_sql(relation, columns, where, query)).to_arrow_reader(CHUNK_ROWS)
    empty = True
    for record_batch in reader:
        empty = False
        yield record_batch
    if empty:
        yield reader.schema.empty_table()


def _example(outcome: RuleOutcome, row: dict) -> str:
    """``key=value, ...`` for one failing row: its key columns first, personal values masked."""
    pii = outcome.rule.pii_columns
    if outcome.rule.plain:
        return "; ".join(str(row[k]) for k in outcome.rule.example_columns if k in row)
    keys = [k for k in outcome.rule.example_columns if k in row] + [k for k in row if k not in
                                                                       outcome.rule.example_columns]
    return ", ".join(f"{k}={mask(row[k]) if k in pii else str(row[k])[:60]}" for k in keys)


def _accumulate(outcome: RuleOutcome, raw: dict) -> None:
    result = raw["result"]
    outcome.success = outcome.success and bool(raw["success"])
    outcome.element_count += int(result.get("element_count") or 0)
    outcome.unexpected_count += int(result.get("unexpected_count") or 0)
    if raw.get("error"):
        outcome.error = str(raw["error"])[:300]
    if "observed_value" in result:
        outcome.observed_value = str(result["observed_value"])[:300]
    room = MAX_EXAMPLES - len(outcome.examples)
    indexed = result.get("partial_unexpected_index_list") or []
    if outcome.rule.example_columns and indexed and room > 0:
        outcome.examples.extend(_example(outcome, dict(row)) for row in indexed[:room])
        return
    examples = result.get("partial_unexpected_list") or []
    pii = set(outcome.rule.pii_columns) & set(outcome.rule.columns)
    for example in examples[:room]:
        outcome.examples.append(mask(example) if pii else str(example)[:120])


def _missing(rule: Rule, catalog: Catalog) -> str | None:
    """Why a rule cannot run yet (a relation or column it needs does not exist), or None."""
    for relation in rule.required_relations:
        if not catalog.exists(relation):
            return f"not built yet: {relation} does not exist"
    if rule.query is None:
        absent = [c for c in rule.read_columns if c.lower() not in catalog.columns(rule.relation)]
        if absent:
            return f"not built yet: {rule.relation} has no column {', '.join(absent)}"
    return None


def _not_built(rule: Rule, reason: str) -> RuleOutcome:
    """A rule waiting for its relation: reported as a warning, enforced once the relation exists."""
    return RuleOutcome(rule=replace(rule, severity="warn"), success=False, error=reason, not_built=True)


class _Group:
    """The outcomes of one group of rules read together, and when its last frame came back judged."""

    def __init__(self, group: list[Rule]) -> None:
        self.outcomes = [RuleOutcome(rule=r, success=True) for r in group]
        self.started = time.perf_counter()
        self.done = self.started

    def collect(self, outcomes: list[RuleOutcome]) -> Done:
        """What to do with a frame's raw results for ``outcomes`` (a frame judges those rules, in order)."""
        def done(raws: list[dict]) -> None:
            for outcome, raw in zip(outcomes, raws, strict=True):
                _accumulate(outcome, raw)
            self.done = time.perf_counter()
        return done


def _validate_group(con: duckdb.DuckDBPyConnection, judge: InlineJudge | WorkerJudge, group: list[Rule],
                    state: _Group) -> None:
    """Hand every frame of ``group`` to ``judge``; each frame's results go to its outcomes once judged."""
    outcomes = state.outcomes
    first = group[0]
    relation, where, query = first.relation, first.where, first.query
    index_columns = tuple(dict.fromkeys(c for r in group for c in r.example_columns))
    if first.scope == "row":
        columns = tuple(sorted({c for r in group for c in r.read_columns}))
        for batch in _read_batches(con, relation, columns, where, query):
            judge.submit(batch, group, index_columns, state.collect(outcomes))
        return
    for outcome in outcomes:
        rule = outcome.rule
        columns = tuple(sorted(set(rule.read_columns)))
        judged = _judged_rows(con, rule, where)
        for table in _bucket_tables(con, relation, columns, judged, query, rule.partition_by):
            judge.submit(table, [rule], rule.example_columns, state.collect([outcome]))


def _judged_rows(con: duckdb.DuckDBPyConnection, rule: Rule, where: str | None) -> str | None:
    """The rows a table rule is judged on: ``where``; for a rule with ``keys_of`` that passed when it was
    last judged, only the rows whose ``partition_by`` values occur among the rows ``keys_of`` picks (a
    duplicate key always involves a row added since), unless those are every row (a first load)."""
    if rule.keys_of is None or not rule.partition_by or rule.query is not None:
        return where
    if not passed_last_time(con, rule.suite, rule.relation, rule.name):
        return where
    scope = f" where {where}" if where else ""
    new_rows, rows = con.execute(f"select count(*) filter (where {rule.keys_of}), count(*) "
                                 f"from {rule.relation}{scope}").fetchone()
    if new_rows == rows:
        return where
    same_key = " and ".join(f"new_rows.{quote_identifier(c)} is not distinct from {rule.relation}.{quote_identifier(c)}"
                            for c in rule.partition_by)
    new_keys = f"exists (select 1 from {rule.relation} as new_rows where ({rule.keys_of}) and {same_key})"
    return f"({where}) and {new_keys}" if where else new_keys


BUCKETED = "cdw_judged_buckets"
"""The temporary table holding the judged rows of a bucketed table rule with each row's bucket."""
BUCKET = "cdw_bucket"


def _bucket_tables(con: duckdb.DuckDBPyConnection, relation: str, columns: tuple[str, ...], where: str | None,
                   query: str | None, partition_by: tuple[str, ...]):
    """The rows a table rule is judged on, as Arrow tables: all at once, or, for a rule with
    ``partition_by`` over more than BUCKET_ROWS rows, bucket by bucket of the partition columns' hash
    (rows with equal values share a bucket).

    The judged rows are read once into a temporary table beside their bucket, which each bucket is
    then read from: a filter on the hash over the whole relation per bucket hashed every key once per
    bucket (12 times over 22.5M Klaviyo events at 1M customers).
    """
    sql = _sql(relation, columns, where, query)
    buckets = 1
    if partition_by:
        rows = con.execute(f"select count(*) from ({sql}) as counted").fetchall()[0][0]
        buckets = -(-rows // BUCKET_ROWS)
    if buckets <= 1:
        yield con.sql(sql).to_arrow_table()
        return
    key = f"hash({', '.join(quote_identifier(column) for column in partition_by)}) % {buckets}"
    judged = _sql(relation, tuple(dict.fromkeys((*columns, *partition_by))), where, query)
    column_sql = ", ".join(quote_identifier(c) for c in columns)
    con.execute(f"create or replace temp table {BUCKETED} as select {column_sql}, {key} as {BUCKET} "
                f"from ({judged}) as judged")
    try:
        for bucket in range(buckets):
            yield con.sql(f"select {column_sql} from {BUCKETED} where {BUCKET} = {bucket}").to_arrow_table()
    finally:
        con.execute(f"drop table if exists {BUCKETED}")


def _rows_to_judge(con: duckdb.DuckDBPyConnection, groups: dict[tuple, list[Rule]]) -> int:
    """About how many rows the groups read: the rows of each group's table (a view counts none)."""
    sizes = {f"{schema}.{name}".lower(): rows for schema, name, rows in con.execute(
        "select schema_name, table_name, estimated_size from duckdb_tables() "
        "where database_name = current_database()").fetchall()}
    return sum(sizes.get(relation.lower(), 0) * (1 if scope == "row" else len(group))
               for (relation, _where, scope, _query), group in groups.items())


def validate_rules(con: duckdb.DuckDBPyConnection, rules: list[Rule], run_id: str) -> CheckReport:
    """Validate every rule; a relation that cannot be read fails its rules with the reason.

    Rules with ``on_missing="warn"`` whose relation or column does not exist (yet) are reported as
    "not built yet" warnings instead. On a large warehouse the frames are judged in worker processes
    while the next ones are read (:mod:`expectations.judging`); the outcomes are the same.
    """
    started = time.perf_counter()
    report = CheckReport(run_id=run_id)
    catalog = Catalog.load(con)
    groups: dict[tuple, list[Rule]] = defaultdict(list)
    for rule in rules:
        reason = _missing(rule, catalog) if rule.on_missing == "warn" else None
        if reason:
            report.outcomes.append(_not_built(rule, reason))
            continue
        groups[(rule.relation, rule.where, rule.scope, rule.query)].append(rule)
    states: list[tuple[str, int, _Group]] = []
    with open_judge(check_workers(_rows_to_judge(con, groups))) as judge:
        for (relation, _where, _scope, _query), group in groups.items():
            state = _Group(group)
            try:
                _validate_group(con, judge, group, state)
                outcomes = state.outcomes
            # Fresh outcomes: frames of the group already handed out may still come back into the old ones.
            except (duckdb.CatalogException, duckdb.BinderException) as exc:
                outcomes = [_not_built(o.rule, f"not built yet: {str(exc).splitlines()[0][:200]}")
                            if o.rule.on_missing == "warn" else
                            RuleOutcome(rule=o.rule, success=False, error=f"cannot read {relation}: {exc}")
                            for o in state.outcomes]
            except duckdb.Error as exc:
                outcomes = [RuleOutcome(rule=o.rule, success=False, error=f"cannot read {relation}: {exc}")
                            for o in state.outcomes]
            report.outcomes.extend(outcomes)
            states.append((relation, len(group), state))
        judge.finish()
    report.group_seconds = [(relation, count, state.done - state.started) for relation, count, state in states]
    report.seconds = time.perf_counter() - started
    return report


COLUMNS = ("run_id", "validated_at", "suite", "relation", "expectation", "severity", "success", "element_count",
           "unexpected_count", "unexpected_examples", "observed_value", "error", "rule_family", "reason")


def store_report(con: duckdb.DuckDBPyConnection, report: CheckReport) -> None:
    """Append the run's results to ``audit.validation_results`` (re-checking a run's suite on a relation replaces it).

    A run may store several reports (Dagster checks each system's landing and each dbt part's marts
    in a step of its own, under one run id): a report replaces only the results of the run for the
    suites and relations it covers, never another step's. Replacing the whole run erased the earlier
    steps' results, so the activation gate found no validation of an audience checked in the same run
    and the publish missed failed rules of an earlier step.

    One row per rule: run, suite, relation, expectation, severity, success, element and unexpected
    counts, a few unexpected examples (personal values masked), observed value, error, the rule
    family of the data dictionary and the reason the rule exists.
    """
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
    for column in ("rule_family", "reason"):  # added after the first release: older warehouses lack them
        con.execute(f"alter table {RESULTS_TABLE} add column if not exists {column} varchar")
    now = datetime.now(UTC)
    rows = [
        (report.run_id, now, o.rule.suite, o.rule.relation, o.rule.name, o.rule.severity, o.success,
         o.element_count, o.unexpected_count, o.examples, o.observed_value, o.error, o.rule.family or None,
         o.rule.description or None)
        for o in report.outcomes
    ]
    covered = sorted({f"{o.rule.suite}\x1f{o.rule.relation.lower()}" for o in report.outcomes})
    if covered:
        con.execute(f"delete from {RESULTS_TABLE} where run_id = ? "
                    "and suite || chr(31) || lower(relation) in (select unnest(?::varchar[]))",
                    [report.run_id, covered])
    if rows:
        placeholders = ", ".join("?" for _ in COLUMNS)
        con.executemany(f"insert into {RESULTS_TABLE} ({', '.join(COLUMNS)}) values ({placeholders})", rows)
