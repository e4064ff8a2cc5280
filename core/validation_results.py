"""Reading the checks' record: ``audit.validation_results`` (one row per rule per run).

The checks write it (``expectations/runner.py``); the publish of a front end whose checks ran apart
(Dagster) and the activation gate read it here, the same way: which ``error`` rules failed.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

RESULTS_TABLE = "audit.validation_results"


@dataclass(frozen=True)
class FailedRule:
    relation: str
    suite: str
    rule: str
    unexpected: int
    error: str

    def describe(self) -> str:
        return f"{self.relation} {self.suite}.{self.rule}: {self.unexpected} unexpected" + (
            f"; {self.error}" if self.error else "")


def has_results(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the checks ever ran on this warehouse."""
    return con.execute("select count(*) from information_schema.tables where table_schema = 'audit' "
                       "and table_name = 'validation_results'").fetchone()[0] > 0


def latest_run(con: duckdb.DuckDBPyConnection, relation: str) -> str | None:
    """The run whose checks last validated ``relation`` (``schema.table``), if any did."""
    if not has_results(con):
        return None
    found = con.execute(f"select run_id from {RESULTS_TABLE} where lower(relation) = lower(?) "
                        "order by validated_at desc nulls last limit 1", [relation]).fetchone()
    return found[0] if found else None


def passed_last_time(con: duckdb.DuckDBPyConnection, suite: str, relation: str, rule: str) -> bool:
    """Whether the latest stored result of one rule (``suite``, ``relation``, expectation ``rule``) is a pass."""
    if not has_results(con):
        return False
    found = con.execute(f"select success from {RESULTS_TABLE} where suite = ? and lower(relation) = lower(?) "
                        "and expectation = ? order by validated_at desc nulls last limit 1",
                        [suite, relation, rule]).fetchone()
    return bool(found and found[0])


def failed_error_rules(con: duckdb.DuckDBPyConnection, run_id: str, relation: str | None = None) -> list[FailedRule]:
    """The ``error`` rules that failed in ``run_id`` (on ``relation`` only, when given)."""
    if not has_results(con):
        return []
    where = " and lower(relation) = lower(?)" if relation else ""
    rows = con.execute(
        f"select relation, suite, expectation, coalesce(unexpected_count, 0), coalesce(error, '') "
        f"from {RESULTS_TABLE} where run_id = ? and severity = 'error' and not coalesce(success, false){where} "
        "order by relation, suite, expectation", [run_id, *([relation] if relation else [])]).fetchall()
    return [FailedRule(*row) for row in rows]
