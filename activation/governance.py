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

from core.validation_results import RESULTS_TABLE, failed_error_rules, latest_run


@dataclass(frozen=True)
class GovernanceStatus:
    ok: bool
    reason: str
    run_id: str | None = None
    failed_rules: list[str] = field(default_factory=list)


def check_governance(con: duckdb.DuckDBPyConnection, relation: str, *, required: bool = True) -> GovernanceStatus:
    """Whether ``relation`` (``schema.table``) may be sent, and why not."""
    run_id = latest_run(con, relation)
    if run_id is None:
        if required:
            return GovernanceStatus(False, f"no validation result for {relation} in {RESULTS_TABLE}; "
                                           "run the checks first (or set require_governance_check: false)")
        return GovernanceStatus(True, f"no validation result for {relation}; check not required by this sync")
    failed = failed_error_rules(con, run_id, relation)
    if failed:
        rules = [f"{f.suite}.{f.rule} ({f.unexpected} unexpected{'; ' + f.error if f.error else ''})" for f in failed]
        return GovernanceStatus(False, f"latest validation of {relation} (run {run_id}) failed "
                                       f"{len(rules)} error rule(s): " + "; ".join(rules), run_id, rules)
    return GovernanceStatus(True, f"latest validation of {relation} (run {run_id}) passed", run_id)
