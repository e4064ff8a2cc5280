"""The publish step: write-audit-publish of the validated build warehouse (see :mod:`cdw.publish`)."""

from __future__ import annotations

import duckdb

from cdw.context import RunContext
from cdw.publish import PublishResult
from cdw.publish import publish as publish_serving
from core.validation_results import failed_error_rules


def publish(ctx: RunContext, blocking_failures: list[str], parquet: bool | None = None,
            full: bool = False) -> PublishResult:
    """Publish when nothing blocks (analytics + restricted schemas; Parquet too when asked or configured).

    Only tables whose content changed since the last publish are rewritten, unless ``full``.

    Raises :class:`cdw.publish.PublishRefused` naming the failures otherwise; the last good
    serving copy stays untouched.
    """
    return publish_serving(ctx.paths, blocking_failures, ctx.run_id, parquet=parquet, full=full)


def recorded_blocking_failures(ctx: RunContext) -> list[str]:
    """The failed ``error`` rules the checks of this run (``ctx.run_id``) recorded in audit.validation_results.

    For a front end whose check steps ran apart from the publish (Dagster runs each mart's governance
    check as its own step); the command line hands the check step's report over directly.
    """
    if not ctx.paths.build_db.exists():
        return []
    with duckdb.connect(str(ctx.paths.build_db), read_only=True) as con:
        return [failed.describe() for failed in failed_error_rules(con, ctx.run_id)]
