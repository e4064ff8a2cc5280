"""Pipeline step: summarise transactions, fit BG/NBD + Gamma-Gamma, score, write two tables.

``fit_and_score`` reads per-customer transactions (customer_id, ordered_at, revenue) from any
SQL the connection can run, builds the RFM summary as of one date (so runs are reproducible
and back-testable), fits both models by maximum likelihood, scores every customer and writes

* ``<out_schema>.clv_model_runs``: one appended row per run (parameters, log-likelihoods,
  sample sizes, as-of date, horizon, discount rate, time unit, convergence), keyed by run_id;
* ``<out_schema>.customer_clv``: the latest scores, replaced on every run.

Both writes happen in one transaction, through Arrow tables registered on the connection.
"""

from __future__ import annotations

import logging
import time
import uuid
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from pydantic import ConfigDict, Field, field_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from clv import bgnbd, gamma_gamma
from clv.score import ClvScores, monthly_discount_rate, score_customers
from clv.summary import build_summary, unit_days
from core.config import load_yaml_model
from core.sql import quote_identifier as _quote

logger = logging.getLogger(__name__)

CONFIG_PATH = Path(__file__).with_name("config.yml")
MODEL_NAME = "bgnbd_gamma_gamma"
MODEL_RUNS_TABLE = "clv_model_runs"
SCORES_TABLE = "customer_clv"


# --------------------------------------------------------------------------------------------
# configuration
# --------------------------------------------------------------------------------------------


@pydantic_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class ClvConfig:
    """Defaults of the CLV step (``clv/config.yml``), validated when built."""

    horizon_months: int = Field(12, ge=1)
    annual_discount_rate: float = Field(0.10, gt=-1.0)
    time_unit: str = "W"  # W (weeks) or D (days); any case
    min_repeat_buyers: int = Field(30, ge=1)
    out_schema: str = "marts"

    @field_validator("time_unit")
    @classmethod
    def _time_unit(cls, value: str) -> str:
        unit_days(value)
        return value.upper()


def load_config(path: str | Path | None = None) -> ClvConfig:
    """Read the CLV configuration (default ``clv/config.yml``); unknown keys and bad values name the key."""
    return load_yaml_model(Path(path) if path is not None else CONFIG_PATH, ClvConfig)


# --------------------------------------------------------------------------------------------
# result
# --------------------------------------------------------------------------------------------


class InsufficientRepeatBuyersError(ValueError):
    """Too few repeat buyers to fit the models."""

    def __init__(self, n_repeat_buyers: int, minimum: int, as_of: date) -> None:
        self.n_repeat_buyers = n_repeat_buyers
        self.minimum = minimum
        super().__init__(
            f"cannot fit CLV models as of {as_of}: only {n_repeat_buyers} repeat buyers "
            f"(customers with at least one repeat purchase and positive repeat spend); "
            f"at least {minimum} are needed (min_repeat_buyers)"
        )


@dataclass(frozen=True)
class ClvRunResult:
    """What one run fitted, scored and wrote."""

    run_id: str
    as_of: date
    fitted_at: datetime
    horizon_months: int
    annual_discount_rate: float
    monthly_discount_rate: float
    time_unit: str
    bgnbd: bgnbd.BgNbdFit
    gamma_gamma: gamma_gamma.GammaGammaFit
    n_customers: int
    n_repeat_buyers: int
    frequency_monetary_corr: float
    converged: bool
    total_clv: float
    fit_seconds: float
    score_seconds: float
    model_runs_table: str
    scores_table: str


# --------------------------------------------------------------------------------------------
# the step
# --------------------------------------------------------------------------------------------


def fit_and_score(
    con: duckdb.DuckDBPyConnection,
    transactions_sql: str,
    as_of: date,
    horizon_months: int = 12,
    annual_discount_rate: float = 0.10,
    time_unit: str = "W",
    out_schema: str = "marts",
    *,
    min_repeat_buyers: int | None = None,
) -> ClvRunResult:
    """Fit BG/NBD and Gamma-Gamma on transactions up to ``as_of``, score everyone, write tables.

    ``transactions_sql`` must return customer_id, ordered_at (date or timestamp) and revenue.
    ``min_repeat_buyers`` defaults to the configured value; fewer repeat buyers raise
    :class:`InsufficientRepeatBuyersError` before anything is written.
    """
    time_unit = time_unit.upper()
    config = ClvConfig(
        horizon_months=horizon_months,
        annual_discount_rate=annual_discount_rate,
        time_unit=time_unit,
        min_repeat_buyers=min_repeat_buyers if min_repeat_buyers is not None else load_config().min_repeat_buyers,
        out_schema=out_schema,
    )
    summary = build_summary(con, transactions_sql, as_of, time_unit)
    x, t_x, T, zbar = (
        summary.column(name).to_numpy().astype(np.float64) for name in ("frequency", "recency", "T", "monetary_value")
    )

    gg_mask = (x > 0) & (zbar > 0)
    n_repeat = int(gg_mask.sum())
    if n_repeat < config.min_repeat_buyers:
        raise InsufficientRepeatBuyersError(n_repeat, config.min_repeat_buyers, as_of)

    started = time.perf_counter()
    bg_fit = bgnbd.fit(x, t_x, T)
    gg_fit = gamma_gamma.fit(x[gg_mask], zbar[gg_mask])
    fit_seconds = time.perf_counter() - started

    monthly_rate = monthly_discount_rate(annual_discount_rate)
    started = time.perf_counter()
    scores = score_customers(
        bg_fit.params,
        gg_fit.params,
        x,
        t_x,
        T,
        zbar,
        horizon_months=horizon_months,
        monthly_rate=monthly_rate,
        time_unit=time_unit,
    )
    score_seconds = time.perf_counter() - started

    converged = bg_fit.converged and gg_fit.converged
    if not converged:
        warnings.warn(
            f"CLV fit did not converge (BG/NBD: {bg_fit.message}; Gamma-Gamma: {gg_fit.message})",
            RuntimeWarning,
            stacklevel=2,
        )
    result = ClvRunResult(
        run_id=uuid.uuid4().hex,
        as_of=as_of,
        fitted_at=datetime.now(UTC),
        horizon_months=horizon_months,
        annual_discount_rate=annual_discount_rate,
        monthly_discount_rate=monthly_rate,
        time_unit=time_unit,
        bgnbd=bg_fit,
        gamma_gamma=gg_fit,
        n_customers=int(x.size),
        n_repeat_buyers=n_repeat,
        frequency_monetary_corr=_correlation(x[gg_mask], zbar[gg_mask]),
        converged=converged,
        total_clv=float(np.nansum(scores.clv_horizon)),
        fit_seconds=fit_seconds,
        score_seconds=score_seconds,
        model_runs_table=f"{out_schema}.{MODEL_RUNS_TABLE}",
        scores_table=f"{out_schema}.{SCORES_TABLE}",
    )
    _write_tables(con, out_schema, _model_run_row(result), _scores_table(summary, scores, result))
    logger.info(
        "CLV run %s as of %s: %d customers, %d repeat buyers, total %d-month CLV %.2f, converged=%s",
        result.run_id,
        as_of,
        result.n_customers,
        n_repeat,
        horizon_months,
        result.total_clv,
        converged,
    )
    return result


def fit_and_score_with_config(
    con: duckdb.DuckDBPyConnection,
    transactions_sql: str,
    as_of: date,
    config: ClvConfig | None = None,
) -> ClvRunResult:
    """``fit_and_score`` with every setting taken from ``config`` (default: ``clv/config.yml``)."""
    cfg = config or load_config()
    return fit_and_score(
        con,
        transactions_sql,
        as_of,
        horizon_months=cfg.horizon_months,
        annual_discount_rate=cfg.annual_discount_rate,
        time_unit=cfg.time_unit,
        out_schema=cfg.out_schema,
        min_repeat_buyers=cfg.min_repeat_buyers,
    )


# --------------------------------------------------------------------------------------------
# output tables
# --------------------------------------------------------------------------------------------


def _correlation(x: np.ndarray, zbar: np.ndarray) -> float:
    """Pearson correlation of frequency and mean spend (the Gamma-Gamma independence check)."""
    if x.size < 2 or np.std(x) == 0 or np.std(zbar) == 0:
        return float("nan")
    return float(np.corrcoef(x, zbar)[0, 1])


MODEL_RUNS_DDL = """
create table if not exists {table} (
    -- ids
    run_id varchar primary key,
    model varchar not null,
    -- run settings
    as_of date not null,
    horizon_months integer not null,
    annual_discount_rate double not null,
    monthly_discount_rate double not null,
    time_unit varchar not null,
    -- BG/NBD
    r double,
    alpha double,
    a double,
    b double,
    bgnbd_log_likelihood double,
    bgnbd_converged boolean,
    -- Gamma-Gamma
    p double,
    q double,
    gamma double,
    gamma_gamma_log_likelihood double,
    gamma_gamma_converged boolean,
    -- samples and diagnostics
    n_customers bigint,
    n_repeat_buyers bigint,
    frequency_monetary_corr double,
    converged boolean,
    fit_seconds double,
    score_seconds double,
    -- timestamps
    fitted_at timestamp with time zone not null
)
"""


def _model_run_row(result: ClvRunResult) -> pa.Table:
    bg, gg = result.bgnbd, result.gamma_gamma
    row: dict[str, Any] = {
        "run_id": result.run_id,
        "model": MODEL_NAME,
        "as_of": result.as_of,
        "horizon_months": result.horizon_months,
        "annual_discount_rate": result.annual_discount_rate,
        "monthly_discount_rate": result.monthly_discount_rate,
        "time_unit": result.time_unit,
        **bg.params.as_dict(),
        "bgnbd_log_likelihood": bg.log_likelihood,
        "bgnbd_converged": bg.converged,
        **gg.params.as_dict(),
        "gamma_gamma_log_likelihood": gg.log_likelihood,
        "gamma_gamma_converged": gg.converged,
        "n_customers": result.n_customers,
        "n_repeat_buyers": result.n_repeat_buyers,
        "frequency_monetary_corr": result.frequency_monetary_corr,
        "converged": result.converged,
        "fit_seconds": result.fit_seconds,
        "score_seconds": result.score_seconds,
        "fitted_at": result.fitted_at,
    }
    return pa.Table.from_pylist([row])


def _scores_table(summary: pa.Table, scores: ClvScores, result: ClvRunResult) -> pa.Table:
    n = summary.num_rows
    return pa.table(
        {
            "customer_id": summary.column("customer_id"),
            "frequency": summary.column("frequency"),
            "recency": summary.column("recency"),
            "T": summary.column("T"),
            "monetary_value": summary.column("monetary_value"),
            "probability_alive": scores.probability_alive,
            "expected_purchases_horizon": scores.expected_purchases_horizon,
            "expected_order_value": scores.expected_order_value,
            "clv_horizon": scores.clv_horizon,
            "as_of": pa.array([result.as_of], pa.date32()).take(np.zeros(n, dtype=np.int64)),
            "run_id": pa.array([result.run_id], pa.string()).take(np.zeros(n, dtype=np.int64)),
        }
    )




def _write_tables(con: duckdb.DuckDBPyConnection, out_schema: str, run_row: pa.Table, scores: pa.Table) -> None:
    """Append the model-run row and replace the scores, atomically, via registered Arrow tables."""
    schema = _quote(out_schema)
    runs_view = f"_clv_run_{uuid.uuid4().hex}"
    scores_view = f"_clv_scores_{uuid.uuid4().hex}"
    con.register(runs_view, run_row)
    con.register(scores_view, scores)
    try:
        con.execute("begin transaction")
        try:
            con.execute(f"create schema if not exists {schema}")
            con.execute(MODEL_RUNS_DDL.format(table=f"{schema}.{MODEL_RUNS_TABLE}"))
            con.execute(f"insert into {schema}.{MODEL_RUNS_TABLE} by name select * from {runs_view}")
            con.execute(f"create or replace table {schema}.{SCORES_TABLE} as select * from {scores_view}")
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
    finally:
        con.unregister(runs_view)
        con.unregister(scores_view)
