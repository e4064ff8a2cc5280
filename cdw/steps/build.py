"""The build step: ``dbt build`` (models, seeds, data tests) with the run's as-of, in two phases.

Predicted CLV is fitted in Python between the two phases: the models it reads (customer orders)
are built first, then the CLV step writes ``marts.customer_clv`` (a dbt source), then the models
that read the scores (customer features, segments, customer value, audiences) are built. A first
run on a new warehouse is therefore complete. ``phase="all"`` builds everything at once (reading
the scores of the last CLV run), as ``cdw build`` does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Literal

from cdw.context import RunContext
from core.dbt import DbtBuildResult, run_dbt

Phase = Literal["all", "before_clv", "after_clv"]
CLV_SOURCE = "source:clv.customer_clv"
"""The CLV step's table as dbt knows it (``models/marts/value/_clv__sources.yml``)."""
AFTER_CLV = f"{CLV_SOURCE}+"
"""Every node that reads the CLV scores, directly or not: built once the scores exist."""
AFTER_SUGGESTIONS = "identity_match_suggestions+"
"""The mart showing the identity match suggestions (the suggestion step writes its input)."""
AFTER_STEPS = (AFTER_CLV, AFTER_SUGGESTIONS)
"""What the second phase builds: every node that reads what the Python steps write."""


def build_args(ctx: RunContext, phase: Phase = "all", *, full_refresh: bool = False,
               unit_tests: bool = False) -> list[str]:
    """The arguments of the run's ``dbt build`` (both front ends use them: dbtRunner and dagster-dbt).

    dbt unit tests check SQL logic on fixed inputs, not the data: like dbt recommends, they run in
    development and CI (``make test`` builds every one of them) and are left out of production runs
    unless asked for.
    """
    args = ["build", "--vars", json.dumps({"as_of": ctx.as_of.dbt_var})]
    # dbt's selection syntax: a space unites, a comma intersects.
    select = ctx.selection.split() if ctx.selection else []
    if phase == "after_clv":
        select = [f"{term},{after}" for term in select for after in AFTER_STEPS] or list(AFTER_STEPS)
    if select:
        args += ["--select", " ".join(select)]
    exclude = [ctx.exclusion] if ctx.exclusion else []
    if phase == "before_clv":
        exclude += AFTER_STEPS
    if exclude:
        # one argument (dbt splits it on spaces): dagster-dbt, when Dagster runs a subset of the
        # models in one step, replaces `--exclude X` and would leave a second value dangling
        args += ["--exclude", " ".join(" ".join(exclude).split())]
    args += ["--full-refresh"] if full_refresh else []
    args += [] if unit_tests else ["--exclude-resource-type", "unit_test"]
    return args


def build(ctx: RunContext, phase: Phase = "all", *, on_node: Callable[[str, str], None] | None = None,
          full_refresh: bool = False, unit_tests: bool = False) -> DbtBuildResult:
    """Run one phase of ``dbt build`` in process; every contract table is made to exist first."""
    from cdw.steps.ingest import ensure_raw_tables

    ensure_raw_tables(ctx)
    return run_dbt(ctx.paths, build_args(ctx, phase, full_refresh=full_refresh, unit_tests=unit_tests),
                   on_node=on_node)
