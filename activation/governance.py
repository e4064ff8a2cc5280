"""Governance gate: an audience whose latest validation failed an ``error`` rule is not sent.

Great Expectations results live in ``audit.validation_results`` (one row per rule per run; see
``expectations/runner.py``). The latest validation of a relation is the run with its newest
``validated_at``; a sync refuses to run when that run has any failed rule of severity ``error``,
and says which. With no result for the audience it refuses too, unless the sync sets
``require_governance_check: false``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

RESULTS_TABLE = "audit.validation_results"


@dataclass(frozen=True)
class GovernanceStatus:
    ok: bool
    reason: str
    run_id: str | None = None
    failed_rules: list[str] = field(default_factory=list)


def _has_results_table(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute(
        "select count(*) from information_schema.tables where table_schema = 'audit' "
        "and table_name = 'validation_results'"
    ).fetchone()[0] > 0


def check_governance(con: duckdb.DuckDBPyConnection, relation: str, *, required: bool = True) -> GovernanceStatus:
    """Whether ``relation`` (``schema.table``) may be sent, and why not."""
    latest = None
    if _has_results_table(con):
        latest = con.execute(
            f"select run_id from {RESULTS_TABLE} where lower(relation) = lower(?) "
            "order by validated_at desc nulls last limit 1", [relation]
        ).fetchone()
    if latest is None:
        if required:
            return GovernanceStatus(False, f"no validation result for {relation} in {RESULTS_TABLE}; "
                                           "run the checks first (or set require_governance_check: false)")
        return GovernanceStatus(True, f"no validation result for {relation}; check not required by this sync")
    run_id = latest[0]
    failed = con.execute(
        f"""
        select suite, expectation, coalesce(unexpected_count, 0), error
        from {RESULTS_TABLE}
        where lower(relation) = lower(?) and run_id = ? and severity = 'error' and not coalesce(success, false)
        order by suite, expectation
        """,
        [relation, run_id],
    ).fetchall()
    if failed:
        rules = [f"{suite}.{rule} ({count} unexpected{'; ' + err if err else ''})"
                 for suite, rule, count, err in failed]
        return GovernanceStatus(False, f"latest validation of {relation} (run {run_id}) failed "
                                       f"{len(rules)} error rule(s): " + "; ".join(rules), run_id, rules)
    return GovernanceStatus(True, f"latest validation of {relation} (run {run_id}) passed", run_id)
