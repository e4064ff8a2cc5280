"""The CLV step: fit BG/NBD + Gamma-Gamma on the stitched orders as of the run's day, score everyone.

Reads the transactions the ``clv`` package defines (``marts.customer_orders``, one currency) and
writes ``marts.customer_clv`` (a dbt source the value marts read; dbt creates it empty before its
first build) and ``marts.clv_model_runs``. When the data cannot support a fit (too few repeat
buyers), the last good scores are kept and the outcome says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from cdw.context import RunContext
from clv.run import ClvRunResult, InsufficientRepeatBuyersError, fit_and_score_with_config
from clv.run import load_config as load_clv_config
from clv.transactions import TRANSACTIONS_SQL, missing_inputs


@dataclass
class ClvOutcome:
    """``fitted`` (new parameters and scores), ``kept`` (previous scores kept) or ``skipped``."""

    status: str
    as_of: str
    reason: str = ""
    result: ClvRunResult | None = None

    @property
    def message(self) -> str:
        if self.result is not None:
            r = self.result
            return (f"fitted on {r.n_customers:,} customers ({r.n_repeat_buyers:,} repeat buyers) as of {self.as_of}, "
                    f"{r.horizon_months}-month CLV total {r.total_clv:,.0f}")
        return f"{self.status}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "as_of": self.as_of, "reason": self.reason,
                               "message": self.message}
        if self.result is not None:
            out.update(run_id=self.result.run_id, customers=self.result.n_customers,
                       repeat_buyers=self.result.n_repeat_buyers, total_clv=round(self.result.total_clv, 2),
                       converged=self.result.converged)
        return out


def clv(ctx: RunContext) -> ClvOutcome:
    """Fit and score as of ``ctx.as_of.day`` (every purchase on or before that day counts)."""
    day = ctx.as_of.day
    con = duckdb.connect(str(ctx.paths.build_db))
    try:
        settings = load_clv_config()
        missing = missing_inputs(con)
        if missing:
            return ClvOutcome("skipped", day.isoformat(), f"{', '.join(missing)} is not built yet")
        try:
            result = fit_and_score_with_config(con, TRANSACTIONS_SQL, day, settings)
        except InsufficientRepeatBuyersError as exc:
            return ClvOutcome("kept", day.isoformat(), f"{exc}; the previous scores (if any) are kept")
        return ClvOutcome("fitted", day.isoformat(), result=result)
    finally:
        con.close()
