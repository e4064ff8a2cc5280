"""The CLV step: fit BG/NBD + Gamma-Gamma on the stitched orders as of the run's day, score everyone.

Reads the transactions the ``clv`` package defines (``marts.customer_orders``, one currency) and
writes ``marts.customer_clv`` (a dbt source the value marts read; dbt creates it empty before its
first build) and ``marts.clv_model_runs`` (every attempt). When the data cannot support a fit (too
few repeat buyers, no convergence, unusable scores), the last good scores are kept and the outcome
says why (:class:`clv.ClvOutcome`: ``fitted``, ``kept_previous`` or ``skipped``).
"""

from __future__ import annotations

from cdw.context import RunContext
from clv import ClvOutcome, run_clv
from clv import load_config as load_clv_config
from core.duckdb_files import connect_warehouse


def clv(ctx: RunContext) -> ClvOutcome:
    """Fit and score as of ``ctx.as_of.day`` (every purchase on or before that day counts)."""
    con = connect_warehouse(ctx.paths.build_db)
    try:
        return run_clv(con, ctx.as_of.day, load_clv_config())
    finally:
        con.close()
