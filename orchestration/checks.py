"""Great Expectations reports as Dagster asset check results, and transient-failure retries.

A failed ``error`` rule gives an ERROR-severity result (blocking checks stop everything downstream
in the run); failed ``warn`` rules alone give a WARN result that is shown but blocks nothing.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import requests

from expectations.runner import CheckReport

MAX_LISTED = 10
TRANSIENT_MESSAGES = ("could not set lock", "conflicting lock", "database is locked")


def check_result(report: CheckReport, asset_key: dg.AssetKey, check_name: str) -> dg.AssetCheckResult:
    """One asset check result summarising every rule of ``report`` (all on one relation).

    Rules waiting for a relation or column that is not built yet are listed, not failed: they are
    enforced from the first run where it exists.
    """
    pending = [o for o in report.outcomes if getattr(o, "not_built", False)]
    judged = CheckReport(run_id=report.run_id,
                         outcomes=[o for o in report.outcomes if not getattr(o, "not_built", False)])
    errors, warnings = judged.blocking_failures, judged.warnings
    severity = dg.AssetCheckSeverity.ERROR if errors or not warnings else dg.AssetCheckSeverity.WARN
    return dg.AssetCheckResult(
        asset_key=asset_key, check_name=check_name, passed=not errors and not warnings, severity=severity,
        metadata={"rules": len(report.outcomes), "passed_rules": report.passed,
                  "failed_error_rules": len(errors), "failed_warn_rules": len(warnings),
                  "rules_not_built_yet": len(pending),
                  "failures": _listing(errors), "warnings": _listing(warnings),
                  "not_built_yet": _listing([f"{o.rule.name}: {o.error or 'not built yet'}" for o in pending]),
                  "seconds": round(report.seconds, 2)},
        description=("; ".join(errors[:3]) or "; ".join(warnings[:3]) or None),
    )


def _listing(lines: list[str]) -> dg.MetadataValue:
    return dg.MetadataValue.md("\n".join(f"- {line}" for line in lines[:MAX_LISTED]) or "none")


def is_transient(error: BaseException) -> bool:
    """A failure worth retrying as is: the warehouse file briefly locked, a network hiccup."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not s for s in seen):
        seen.append(current)
        if isinstance(current, requests.ConnectionError | requests.Timeout):
            return True
        if any(m in str(current).lower() for m in TRANSIENT_MESSAGES):
            return True
        current = current.__cause__ or current.__context__
    return False


@contextmanager
def retry_transient(max_retries: int = 3, seconds_to_wait: float = 20) -> Iterator[None]:
    """Turn transient failures into a step retry; everything else (bad data, bad code) fails at once."""
    try:
        yield
    except Exception as exc:
        if is_transient(exc):
            raise dg.RetryRequested(max_retries=max_retries, seconds_to_wait=seconds_to_wait) from exc
        raise
