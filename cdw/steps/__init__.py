"""The run's steps, each a function over one :class:`cdw.context.RunContext`.

    generate -> ingest -> build (phase 1) -> clv, suggest -> build (phase 2) -> check -> publish -> sync

The command line (:mod:`cli.app`, :mod:`cdw.main_job`) and the Dagster assets (:mod:`orchestration.defs`)
call these same functions, so a fix to a step is a fix for both front ends.
"""

from cdw.steps.build import build, build_args
from cdw.steps.check import check, governance_rules
from cdw.steps.clv import clv
from cdw.steps.generate import generate
from cdw.steps.ingest import IngestOutcome, ensure_raw_tables, ingest
from cdw.steps.publish import publish, recorded_blocking_failures
from cdw.steps.suggest import suggest
from cdw.steps.sync import sync

__all__ = [
    "IngestOutcome",
    "build",
    "build_args",
    "check",
    "clv",
    "ensure_raw_tables",
    "generate",
    "governance_rules",
    "ingest",
    "publish",
    "recorded_blocking_failures",
    "suggest",
    "sync",
]
