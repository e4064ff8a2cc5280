"""The publish step: write-audit-publish of the validated build warehouse (see :mod:`cdw.publish`)."""

from __future__ import annotations

from cdw.context import RunContext
from cdw.publish import PublishResult
from cdw.publish import publish as publish_serving


def publish(ctx: RunContext, blocking_failures: list[str], parquet: bool | None = None) -> PublishResult:
    """Publish when nothing blocks (analytics + restricted schemas; Parquet too when asked or configured).

    Raises :class:`cdw.publish.PublishRefused` naming the failures otherwise; the last good
    serving copy stays untouched.
    """
    return publish_serving(ctx.paths, blocking_failures, ctx.run_id, parquet=parquet)
