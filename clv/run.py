"""Pipeline step: summarise transactions, fit BG/NBD + Gamma-Gamma, check the fit, score, write two tables.

:func:`run_clv` is the step the pipeline (``cdw``) and the Dagster asset call. It never raises for
what real data does (too few repeat buyers, a fit that does not converge or makes no sense, no
input yet): it returns a :class:`ClvOutcome` saying what happened, in three statuses:

* ``fitted``: the models were fitted as of the day given and passed the checks
  (:func:`fit_problems`); every customer was scored;
* ``kept_previous``: no usable fit this time (the reason says why); the last good parameters and
  scores stay in force, untouched, and the outcome names them;
* ``skipped``: no usable fit and nothing was ever fitted (or the input is not built): the scores
  table exists, typed and empty.

Whatever happens, both tables exist afterwards (:func:`ensure_tables`), so dbt models can read
the scores as a source:

* ``<out_schema>.clv_model_runs``: one appended row per attempt (status and reason; parameters,
  log-likelihoods, sample sizes, as-of day, horizon, discount rate, time unit, convergence for
  the fits), keyed by run_id. The last good parameters are those of the newest ``fitted`` row;
* ``<out_schema>.customer_clv``: the scores in force, replaced only by a good fit
  (:data:`SCORES_COLUMNS`).

The as-of is a **day**: every purchase on or before it counts (``core.as_of.AsOf.day``), the same
boundary as dbt's end-of-day ``as_of_timestamp()``. Writes happen in one transaction, through
Arrow tables registered on the connection.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import numpy as np
import pyarrow as pa
from pydantic import ConfigDict, Field, field_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from clv import bgnbd, gamma_gamma
from clv.score import ClvScores, monthly_discount_rate, score_customers
from clv.summary import build_summary, unit_days
from clv.transactions import TRANSACTIONS_SQL, missing_inputs
from core.config import load_yaml_model
from core.sql import quote_identifier as _quote

logger = logging.getLogger(__name__)

CONFIG_PATH = Path(__file__).with_name("config.yml")
MODEL_NAME = "bgnbd_gamma_gamma"
MODEL_RUNS_TABLE = "clv_model_runs"
SCORES_TABLE = "customer_clv"

Status = Literal["fitted", "kept_previous", "skipped"]
FITTED: Status = "fitted"
KEPT_PREVIOUS: Status = "kept_previous"
SKIPPED: Status = "skipped"


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
# results
# --------------------------------------------------------------------------------------------


class InsufficientRepeatBuyersError(ValueError):
    """Too few repeat buyers to fit the models (raised by :func:`fit_and_score`; :func:`run_clv` reports it)."""

    def __init__(self, n_repeat_buyers: int, minimum: int, as_of: date) -> None:
        self.n_repeat_buyers = n_repeat_buyers
        self.minimum = minimum
        super().__init__(
            f"cannot fit CLV models as of {as_of}: only {n_repeat_buyers} repeat buyers "
            f"(customers with at least one repeat purchase and positive repeat spend); "
            f"at least {minimum} are needed (min_repeat_buyers)"
        )


class FitRejectedError(InsufficientRepeatBuyersError):
    """The fit failed, did not converge or made no sense (see :func:`fit_problems`); nothing was written.

    A subclass of :class:`InsufficientRepeatBuyersError` only so that callers of the older
    :func:`fit_and_score` that treat "not refitted" already handle it; use :func:`run_clv`.
    """

    def __init__(self, problems: list[str], n_repeat_buyers: int, minimum: int, as_of: date) -> None:
        self.problems = problems
        self.n_repeat_buyers = n_repeat_buyers
        self.minimum = minimum
        ValueError.__init__(self, f"CLV fit as of {as_of} not used: {'; '.join(problems)}")


@dataclass(frozen=True)
class ClvRunResult:
    """What one good fit fitted, scored and wrote."""

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


@dataclass(frozen=True)
class ScoresInForce:
    """The scores ``customer_clv`` holds: which fit made them, as of which day, and their figures."""

    run_id: str
    as_of: date
    customers: int
    total_clv: float
    horizon_months: int | None = None
    parameters: dict[str, float] = field(default_factory=dict)  # r, alpha, a, b, p, q, gamma


@dataclass(frozen=True)
class ClvOutcome:
    """What the CLV step did, for the run summary and Dagster metadata (see the module docstring).

    ``message`` is one line for people; the other fields are the figures behind it.
    """

    status: Status
    as_of: date  # the day this attempt looked back from
    message: str
    reason: str | None  # why nothing was fitted (None when fitted)
    run_id: str  # this attempt (its row in clv_model_runs)
    n_customers: int  # customers in the summary as of ``as_of`` (0 when skipped before the summary)
    n_repeat_buyers: int
    min_repeat_buyers: int
    horizon_months: int
    scores: ScoresInForce | None  # the scores in force after the step (None: none ever fitted)
    fit: ClvRunResult | None = None  # the new fit when ``status == "fitted"``
    scores_table: str = f"marts.{SCORES_TABLE}"
    model_runs_table: str = f"marts.{MODEL_RUNS_TABLE}"

    @property
    def refitted(self) -> bool:
        return self.status == FITTED

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (dates as ISO strings), without the fit objects."""
        scores = None if self.scores is None else {**asdict(self.scores), "as_of": self.scores.as_of.isoformat()}
        return {
            "status": self.status, "as_of": self.as_of.isoformat(), "message": self.message, "reason": self.reason,
            "run_id": self.run_id, "n_customers": self.n_customers, "n_repeat_buyers": self.n_repeat_buyers,
            "min_repeat_buyers": self.min_repeat_buyers, "horizon_months": self.horizon_months, "scores": scores,
            "scores_table": self.scores_table, "model_runs_table": self.model_runs_table,
        }


# --------------------------------------------------------------------------------------------
# the step
# --------------------------------------------------------------------------------------------


def run_clv(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    config: ClvConfig | None = None,
    transactions_sql: str = TRANSACTIONS_SQL,
    *,
    check_inputs: bool = True,
) -> ClvOutcome:
    """Fit, check and score as of ``as_of`` (a day, inclusive); keep the last good scores otherwise.

    ``transactions_sql`` returns customer_id, ordered_at and revenue (default: the stitched
    customers' orders, :mod:`clv.transactions`). ``check_inputs`` first checks that the relations
    of the default input exist (a first build without value marts is ``skipped``).
    """
    cfg = config or load_config()
    run_id = uuid.uuid4().hex
    ensure_tables(con, cfg.out_schema)
    tables = {"scores_table": f"{cfg.out_schema}.{SCORES_TABLE}",
              "model_runs_table": f"{cfg.out_schema}.{MODEL_RUNS_TABLE}"}
    if check_inputs and transactions_sql == TRANSACTIONS_SQL and (missing := missing_inputs(con)):
        return _not_fitted(con, cfg, run_id, as_of, f"{' and '.join(missing)} not built yet", 0, 0, tables)

    summary = build_summary(con, transactions_sql, as_of, cfg.time_unit)
    x, t_x, T, zbar = _summary_arrays(summary)
    n_repeat = int(((x > 0) & (zbar > 0)).sum())
    if n_repeat < cfg.min_repeat_buyers:
        reason = (f"only {n_repeat:,} repeat buyers (customers with a repeat purchase and positive repeat spend) "
                  f"as of {as_of}; at least {cfg.min_repeat_buyers} are needed (min_repeat_buyers)")
        return _not_fitted(con, cfg, run_id, as_of, reason, int(x.size), n_repeat, tables)

    try:
        fitted = _fit_and_score(summary, as_of, cfg, run_id)
    except (ValueError, RuntimeError, FloatingPointError) as exc:
        return _not_fitted(con, cfg, run_id, as_of, f"the fit failed: {exc}", int(x.size), n_repeat, tables)
    result, scores, problems = fitted
    if problems:
        return _not_fitted(con, cfg, run_id, as_of, "the fit was not used: " + "; ".join(problems), int(x.size),
                           n_repeat, tables, result=result)

    _write_tables(con, cfg.out_schema, _model_run_row(result, FITTED, None), _scores_table(summary, scores, result))
    in_force = ScoresInForce(run_id=run_id, as_of=as_of, customers=result.n_customers, total_clv=result.total_clv,
                             horizon_months=cfg.horizon_months, parameters=_parameters(result))
    message = (f"fitted as of {as_of} on {result.n_customers:,} customers ({n_repeat:,} repeat buyers): "
               f"{cfg.horizon_months}-month predicted CLV total {result.total_clv:,.0f}")
    logger.info("CLV run %s: %s", run_id, message)
    return ClvOutcome(status=FITTED, as_of=as_of, message=message, reason=None, run_id=run_id,
                      n_customers=result.n_customers, n_repeat_buyers=n_repeat,
                      min_repeat_buyers=cfg.min_repeat_buyers, horizon_months=cfg.horizon_months, scores=in_force,
                      fit=result, **tables)


def _not_fitted(con: duckdb.DuckDBPyConnection, cfg: ClvConfig, run_id: str, as_of: date, reason: str,
                n_customers: int, n_repeat: int, tables: dict[str, str],
                result: ClvRunResult | None = None) -> ClvOutcome:
    """Log the attempt and keep the scores in force (if any): ``kept_previous`` or ``skipped``."""
    in_force = scores_in_force(con, cfg.out_schema)
    status: Status = KEPT_PREVIOUS if in_force else SKIPPED
    row = _model_run_row(result, status, reason) if result is not None else _attempt_row(
        run_id, as_of, cfg, status, reason, n_customers, n_repeat)
    _write_tables(con, cfg.out_schema, row, None)
    if in_force:
        message = (f"not refitted as of {as_of} ({reason}); kept the scores of run {in_force.run_id[:8]} as of "
                   f"{in_force.as_of}: {in_force.customers:,} customers, predicted CLV total "
                   f"{in_force.total_clv:,.0f}")
    else:
        message = f"not fitted as of {as_of} ({reason}); no scores yet ({tables['scores_table']} is empty)"
    logger.info("CLV run %s: %s", run_id, message)
    return ClvOutcome(status=status, as_of=as_of, message=message, reason=reason, run_id=run_id,
                      n_customers=n_customers, n_repeat_buyers=n_repeat, min_repeat_buyers=cfg.min_repeat_buyers,
                      horizon_months=cfg.horizon_months, scores=in_force, fit=None, **tables)


def _summary_arrays(summary: pa.Table) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return tuple(  # type: ignore[return-value]
        summary.column(name).to_numpy().astype(np.float64)
        for name in ("repeat_purchases", "purchase_span_periods", "customer_age_periods", "average_repeat_value"))


def _fit_and_score(summary: pa.Table, as_of: date, cfg: ClvConfig,
                   run_id: str) -> tuple[ClvRunResult, ClvScores, list[str]]:
    """Fit both models and score everyone; the problems that make the fit unusable (empty: good)."""
    x, t_x, T, zbar = _summary_arrays(summary)
    gg_mask = (x > 0) & (zbar > 0)
    started = time.perf_counter()
    bg_fit = bgnbd.fit(x, t_x, T)
    gg_fit = gamma_gamma.fit(x[gg_mask], zbar[gg_mask])
    fit_seconds = time.perf_counter() - started

    monthly_rate = monthly_discount_rate(cfg.annual_discount_rate)
    started = time.perf_counter()
    scores = score_customers(bg_fit.params, gg_fit.params, x, t_x, T, zbar, horizon_months=cfg.horizon_months,
                             monthly_rate=monthly_rate, time_unit=cfg.time_unit)
    score_seconds = time.perf_counter() - started
    predicted = scores.predicted_clv
    result = ClvRunResult(
        run_id=run_id,
        as_of=as_of,
        fitted_at=datetime.now(UTC),
        horizon_months=cfg.horizon_months,
        annual_discount_rate=cfg.annual_discount_rate,
        monthly_discount_rate=monthly_rate,
        time_unit=cfg.time_unit,
        bgnbd=bg_fit,
        gamma_gamma=gg_fit,
        n_customers=int(x.size),
        n_repeat_buyers=int(gg_mask.sum()),
        frequency_monetary_corr=_correlation(x[gg_mask], zbar[gg_mask]),
        converged=bg_fit.converged and gg_fit.converged,
        total_clv=float(predicted.sum()) if np.isfinite(predicted).all() else float("nan"),
        fit_seconds=fit_seconds,
        score_seconds=score_seconds,
        model_runs_table=f"{cfg.out_schema}.{MODEL_RUNS_TABLE}",
        scores_table=f"{cfg.out_schema}.{SCORES_TABLE}",
    )
    return result, scores, fit_problems(bg_fit, gg_fit, scores)


def fit_problems(bg_fit: bgnbd.BgNbdFit, gg_fit: gamma_gamma.GammaGammaFit, scores: ClvScores) -> list[str]:
    """Why a fit must not replace the scores in force (empty when it is usable).

    Not converged; a parameter that is not a finite positive number; Gamma-Gamma q <= 1 (the
    mean spend is infinite); a score that is not a finite non-negative number; a total of 0.
    A parameter at the edge of the search is not a problem in itself: it is the limit of a
    homogeneous population (no drop-out, one spend level), whose scores are still sound.
    """
    problems = []
    for name, fit in (("BG/NBD", bg_fit), ("Gamma-Gamma", gg_fit)):
        if not fit.converged:
            problems.append(f"the {name} fit did not converge ({fit.message})")
        for key, value in fit.params.as_dict().items():
            if not (math.isfinite(value) and value > 0):
                problems.append(f"{name} parameter {key} = {value} is not a positive number")
    if gg_fit.params.q <= 1:
        problems.append(f"Gamma-Gamma q = {gg_fit.params.q:.4g} <= 1: the expected order value is undefined")
    for name, values in (("predicted CLV", scores.predicted_clv), ("P(alive)", scores.probability_alive),
                         ("expected purchases", scores.expected_purchases_horizon)):
        bad = int((~np.isfinite(values) | (values < 0)).sum())
        if bad:
            problems.append(f"{name} is not a finite non-negative number for {bad:,} customers")
    if not problems and float(scores.predicted_clv.sum()) <= 0:
        problems.append("predicted CLV totals 0")
    return problems


def scores_in_force(con: duckdb.DuckDBPyConnection, out_schema: str = "marts") -> ScoresInForce | None:
    """The scores ``customer_clv`` holds and the fit that made them; None when it is empty."""
    schema = _quote(out_schema)
    row = con.execute(f"select run_id, max(as_of), count(*), sum(predicted_clv) from {schema}.{SCORES_TABLE} "
                      f"group by run_id order by count(*) desc limit 1").fetchall()
    if not row:
        return None
    run_id, as_of, customers, total = row[0]
    params = con.execute(f"select horizon_months, r, alpha, a, b, p, q, gamma from {schema}.{MODEL_RUNS_TABLE} "
                         f"where run_id = ?", [run_id]).fetchall()
    horizon, *values = params[0] if params else (None,)
    names = ("r", "alpha", "a", "b", "p", "q", "gamma")
    parameters = {n: float(v) for n, v in zip(names, values, strict=False) if v is not None}
    return ScoresInForce(run_id=run_id, as_of=as_of, customers=int(customers), total_clv=float(total or 0.0),
                         horizon_months=horizon, parameters=parameters)


def _parameters(result: ClvRunResult) -> dict[str, float]:
    return {**result.bgnbd.params.as_dict(), **result.gamma_gamma.params.as_dict()}


# --------------------------------------------------------------------------------------------
# the earlier interface (kept for its callers; prefer run_clv)
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

    Raises :class:`InsufficientRepeatBuyersError` (too few repeat buyers) or its subclass
    :class:`FitRejectedError` (an unusable fit) after making sure both tables exist, and then
    writes nothing else. :func:`run_clv` returns an outcome instead and logs every attempt.
    """
    config = ClvConfig(
        horizon_months=horizon_months,
        annual_discount_rate=annual_discount_rate,
        time_unit=time_unit.upper(),
        min_repeat_buyers=min_repeat_buyers if min_repeat_buyers is not None else load_config().min_repeat_buyers,
        out_schema=out_schema,
    )
    ensure_tables(con, out_schema)
    summary = build_summary(con, transactions_sql, as_of, config.time_unit)
    x, _, _, zbar = _summary_arrays(summary)
    n_repeat = int(((x > 0) & (zbar > 0)).sum())
    if n_repeat < config.min_repeat_buyers:
        raise InsufficientRepeatBuyersError(n_repeat, config.min_repeat_buyers, as_of)
    try:
        result, scores, problems = _fit_and_score(summary, as_of, config, uuid.uuid4().hex)
    except (ValueError, RuntimeError, FloatingPointError) as exc:
        raise FitRejectedError([f"the fit failed: {exc}"], n_repeat, config.min_repeat_buyers, as_of) from exc
    if problems:
        raise FitRejectedError(problems, n_repeat, config.min_repeat_buyers, as_of)
    _write_tables(con, out_schema, _model_run_row(result, FITTED, None), _scores_table(summary, scores, result))
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
    -- outcome
    status varchar,
    reason varchar,
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

#: The scores table, column by column (name, DuckDB type, meaning). Periods are ``time_unit``s.
SCORES_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("customer_id", "varchar", "The stitched customer."),
    ("repeat_purchases", "double", "Repeat purchase days up to the as-of day (purchase days - 1): the model's x."),
    ("purchase_span_periods", "double", "Time from the first to the last purchase day, in time units: t_x."),
    ("customer_age_periods", "double", "Time from the first purchase day to the as-of day, in time units: T."),
    ("average_repeat_value", "double", "Mean revenue of the repeat purchase days (0 without repeat purchases)."),
    ("probability_alive", "double", "Probability the customer is still active (BG/NBD)."),
    ("expected_purchases_horizon", "double", "Expected purchases over the horizon (BG/NBD), undiscounted."),
    ("expected_order_value", "double", "Expected value of a future purchase (Gamma-Gamma)."),
    ("predicted_clv", "double", "Predicted CLV: expected purchases x order value over the horizon, discounted."),
    ("horizon_months", "integer", "Months the prediction covers."),
    ("time_unit", "varchar", "Unit of the *_periods columns: W (weeks) or D (days)."),
    ("as_of", "date", "The day the fit looked back from (every purchase on or before it counts)."),
    ("run_id", "varchar", "The fit that made the scores (clv_model_runs.run_id)."),
)

#: Earlier names of the scores table's columns, renamed in place by :func:`ensure_tables`.
RENAMED_SCORE_COLUMNS = {"frequency": "repeat_purchases", "recency": "purchase_span_periods",
                         "T": "customer_age_periods", "monetary_value": "average_repeat_value",
                         "clv_horizon": "predicted_clv"}


def ensure_tables(con: duckdb.DuckDBPyConnection, out_schema: str = "marts") -> None:
    """Create both tables when missing (typed, empty) and bring earlier versions up to date.

    Safe to call before every dbt build: dbt models can then read ``customer_clv`` as a source
    even before the first fit. Never drops or rewrites scores.
    """
    schema = _quote(out_schema)
    con.execute(f"create schema if not exists {schema}")
    con.execute(MODEL_RUNS_DDL.format(table=f"{schema}.{MODEL_RUNS_TABLE}"))
    for column in ("status", "reason"):
        con.execute(f"alter table {schema}.{MODEL_RUNS_TABLE} add column if not exists {column} varchar")
    existing = {name for (name,) in con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [out_schema, SCORES_TABLE]).fetchall()}
    if not existing:
        columns = ", ".join(f"{_quote(name)} {kind}" for name, kind, _ in SCORES_COLUMNS)
        con.execute(f"create table if not exists {schema}.{SCORES_TABLE} ({columns})")
        return
    for old, new in RENAMED_SCORE_COLUMNS.items():
        if old in existing and new not in existing:
            con.execute(f"alter table {schema}.{SCORES_TABLE} rename column {_quote(old)} to {_quote(new)}")
    for name, kind, _ in SCORES_COLUMNS:
        if name not in existing and name not in RENAMED_SCORE_COLUMNS.values():
            con.execute(f"alter table {schema}.{SCORES_TABLE} add column if not exists {_quote(name)} {kind}")


def _model_run_row(result: ClvRunResult, status: Status, reason: str | None) -> pa.Table:
    bg, gg = result.bgnbd, result.gamma_gamma
    row: dict[str, Any] = {
        "run_id": result.run_id,
        "model": MODEL_NAME,
        "status": status,
        "reason": reason,
        "as_of": result.as_of,
        "horizon_months": result.horizon_months,
        "annual_discount_rate": result.annual_discount_rate,
        "monthly_discount_rate": result.monthly_discount_rate,
        "time_unit": result.time_unit,
        **{k: _finite_or_none(v) for k, v in bg.params.as_dict().items()},
        "bgnbd_log_likelihood": _finite_or_none(bg.log_likelihood),
        "bgnbd_converged": bg.converged,
        **{k: _finite_or_none(v) for k, v in gg.params.as_dict().items()},
        "gamma_gamma_log_likelihood": _finite_or_none(gg.log_likelihood),
        "gamma_gamma_converged": gg.converged,
        "n_customers": result.n_customers,
        "n_repeat_buyers": result.n_repeat_buyers,
        "frequency_monetary_corr": _finite_or_none(result.frequency_monetary_corr),
        "converged": result.converged,
        "fit_seconds": result.fit_seconds,
        "score_seconds": result.score_seconds,
        "fitted_at": result.fitted_at,
    }
    return pa.Table.from_pylist([row])


def _attempt_row(run_id: str, as_of: date, cfg: ClvConfig, status: Status, reason: str, n_customers: int,
                 n_repeat: int) -> pa.Table:
    """The clv_model_runs row of an attempt that fitted nothing (no parameters)."""
    return pa.Table.from_pylist([{
        "run_id": run_id, "model": MODEL_NAME, "status": status, "reason": reason, "as_of": as_of,
        "horizon_months": cfg.horizon_months, "annual_discount_rate": cfg.annual_discount_rate,
        "monthly_discount_rate": monthly_discount_rate(cfg.annual_discount_rate), "time_unit": cfg.time_unit,
        "n_customers": n_customers, "n_repeat_buyers": n_repeat, "converged": False,
        "fitted_at": datetime.now(UTC),
    }])


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _scores_table(summary: pa.Table, scores: ClvScores, result: ClvRunResult) -> pa.Table:
    n = summary.num_rows
    constant = np.zeros(n, dtype=np.int64)
    columns: dict[str, pa.Array | pa.ChunkedArray] = {
        "customer_id": summary.column("customer_id").cast(pa.string()),
        "repeat_purchases": summary.column("repeat_purchases"),
        "purchase_span_periods": summary.column("purchase_span_periods"),
        "customer_age_periods": summary.column("customer_age_periods"),
        "average_repeat_value": summary.column("average_repeat_value"),
        "probability_alive": pa.array(scores.probability_alive),
        "expected_purchases_horizon": pa.array(scores.expected_purchases_horizon),
        "expected_order_value": pa.array(scores.expected_order_value),
        "predicted_clv": pa.array(scores.predicted_clv),
        "horizon_months": pa.array([result.horizon_months], pa.int32()).take(constant),
        "time_unit": pa.array([result.time_unit], pa.string()).take(constant),
        "as_of": pa.array([result.as_of], pa.date32()).take(constant),
        "run_id": pa.array([result.run_id], pa.string()).take(constant),
    }
    assert list(columns) == [name for name, _, _ in SCORES_COLUMNS]
    return pa.table(columns)




def _write_tables(con: duckdb.DuckDBPyConnection, out_schema: str, run_row: pa.Table,
                  scores: pa.Table | None) -> None:
    """Append the model-run row and, for a good fit, replace the scores, atomically."""
    schema = _quote(out_schema)
    runs_view = f"_clv_run_{uuid.uuid4().hex}"
    scores_view = f"_clv_scores_{uuid.uuid4().hex}"
    con.register(runs_view, run_row)
    if scores is not None:
        con.register(scores_view, scores)
    try:
        con.execute("begin transaction")
        try:
            con.execute(f"insert into {schema}.{MODEL_RUNS_TABLE} by name select * from {runs_view}")
            if scores is not None:
                con.execute(f"delete from {schema}.{SCORES_TABLE}")
                con.execute(f"insert into {schema}.{SCORES_TABLE} by name select * from {scores_view}")
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
    finally:
        con.unregister(runs_view)
        if scores is not None:
            con.unregister(scores_view)
