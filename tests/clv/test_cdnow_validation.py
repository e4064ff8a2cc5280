"""Validate the CLV models against the published CDNOW results, and test the pipeline step.

Published values:
* BG/NBD, Fader, Hardie & Lee (2005), 2,357 CDNOW customers, 39-week calibration:
  r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, log-likelihood -9582.4; and for a customer
  with x = 2, t_x = 30.43, T = 38.86, E[Y(39)] = 1.226.
* Gamma-Gamma, Fader & Hardie (2013), the 946 repeat buyers: p = 6.25, q = 3.74, gamma = 15.44.

The CDNOW files ship in the ``lifetimes`` wheel; they are located with ``find_spec`` (which does
not import the package) and read as plain data.
"""

from __future__ import annotations

import importlib.util
import inspect
from datetime import date
from decimal import Decimal, getcontext
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from clv import bgnbd, gamma_gamma
from clv.run import (
    ClvConfig,
    InsufficientRepeatBuyersError,
    fit_and_score,
    fit_and_score_with_config,
    load_config,
)
from clv.score import discount_factors, monthly_discount_rate, score_customers, time_units_per_month
from clv.summary import build_summary

PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}
CALIBRATION_END = date(1997, 9, 30)  # 39 weeks from 1997-01-01
REL_TOL = 0.01


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def datasets() -> Path:
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("the dev dependency `lifetimes` (source of the CDNOW files) is not installed")
    return Path(spec.submodule_search_locations[0]) / "datasets"


@pytest.fixture(scope="module")
def cdnow_summary(datasets: Path) -> pd.DataFrame:
    """2,357 customers: frequency (x), recency (t_x), T in weeks."""
    return pd.read_csv(datasets / "cdnow_customers_summary.csv")


@pytest.fixture(scope="module")
def cdnow_repeat_buyers(datasets: Path) -> pd.DataFrame:
    """Customers with x >= 1 and their mean repeat-purchase value zbar (columns ID, x, t_x, T, zbar)."""
    df = pd.read_csv(datasets / "cdnow_customers_summary_with_transactions.csv")
    return df[df["x"] > 0]


@pytest.fixture(scope="module")
def cdnow_transactions(datasets: Path) -> pd.DataFrame:
    """CDNOW_sample.txt: master id, sample id (1..2357), yyyymmdd, CDs, dollar value."""
    raw = pd.read_csv(
        datasets / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "quantity", "amount"],
        dtype={"date": str},
    )
    return pd.DataFrame(
        {
            "customer_id": raw["customer_id"],
            "ordered_at": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "revenue": raw["amount"],
        }
    )


def _arrays(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return df["frequency"].to_numpy(float), df["recency"].to_numpy(float), df["T"].to_numpy(float)


def assert_close_to_published(fitted: dict[str, float], published: dict[str, float]) -> None:
    for name, value in published.items():
        assert fitted[name] == pytest.approx(value, rel=REL_TOL), (
            f"{name}: fitted {fitted[name]:.4f}, published {value}"
        )


# --------------------------------------------------------------------------------------------
# published parameters
# --------------------------------------------------------------------------------------------


def test_bgnbd_reproduces_fader_hardie_lee_2005(cdnow_summary: pd.DataFrame) -> None:
    assert len(cdnow_summary) == 2357
    fit = bgnbd.fit(*_arrays(cdnow_summary))
    assert fit.converged
    assert fit.n_customers == 2357
    assert_close_to_published(fit.params.as_dict(), PUBLISHED_BGNBD)
    assert fit.log_likelihood == pytest.approx(-9582.4, abs=0.1)


def test_gamma_gamma_reproduces_fader_hardie_2013(cdnow_repeat_buyers: pd.DataFrame) -> None:
    assert len(cdnow_repeat_buyers) == 946
    fit = gamma_gamma.fit(cdnow_repeat_buyers["x"], cdnow_repeat_buyers["zbar"])
    assert fit.converged
    assert fit.n_customers == 946
    assert_close_to_published(fit.params.as_dict(), PUBLISHED_GAMMA_GAMMA)


def test_summary_built_from_raw_cdnow_matches_the_published_calibration_summary(
    cdnow_transactions: pd.DataFrame, cdnow_repeat_buyers: pd.DataFrame, datasets: Path
) -> None:
    con = duckdb.connect()
    con.register("cdnow", cdnow_transactions)
    got = build_summary(con, "select * from cdnow", CALIBRATION_END, "W").to_pandas()
    published = pd.read_csv(datasets / "cdnow_customers_summary_with_transactions.csv")
    merged = published.merge(got, left_on="ID", right_on="customer_id", how="outer", validate="1:1")
    assert len(got) == 2357 and merged["customer_id"].notna().all() and merged["ID"].notna().all()
    # published (the papers' names) x = repeat_purchases, t_x = purchase_span_periods,
    # T = customer_age_periods, zbar = average_repeat_value
    assert (merged["x"] == merged["repeat_purchases"]).all()
    # the published file rounds to two decimals
    assert np.allclose(merged["t_x"], merged["purchase_span_periods"], atol=0.005 + 1e-9)
    assert np.allclose(merged["T"], merged["customer_age_periods"], atol=0.005 + 1e-9)
    assert np.allclose(merged["zbar"], merged["average_repeat_value"], atol=0.005 + 1e-9)
    assert ((got["repeat_purchases"] > 0) & (got["average_repeat_value"] > 0)).sum() == len(cdnow_repeat_buyers)


# --------------------------------------------------------------------------------------------
# model behaviour
# --------------------------------------------------------------------------------------------

CDNOW_PARAMS = bgnbd.BgNbdParams(**PUBLISHED_BGNBD)


def test_probability_alive_is_one_without_repeat_purchases() -> None:
    T = np.array([0.0, 1.0, 38.86, 500.0])
    p = bgnbd.probability_alive(CDNOW_PARAMS, np.zeros(4), np.zeros(4), T)
    assert np.array_equal(p, np.ones(4))


def test_probability_alive_for_repeat_buyers() -> None:
    x = np.array([1.0, 2.0, 2.0, 10.0, 10.0])
    t_x = np.array([38.0, 30.43, 5.0, 38.0, 10.0])
    T = np.full(5, 38.86)
    p = bgnbd.probability_alive(CDNOW_PARAMS, x, t_x, T)
    assert ((p > 0) & (p < 1)).all()
    assert p[1] > p[2] and p[3] > p[4]  # a longer silence since the last purchase lowers P(alive)
    # closed form, FHL eq. 13
    r, alpha, a, b = PUBLISHED_BGNBD.values()
    expected = 1.0 / (1.0 + a / (b + x - 1.0) * ((alpha + T) / (alpha + t_x)) ** (r + x))
    assert np.allclose(p, expected, rtol=1e-12)


def test_expected_purchases_match_fhl_example_and_increase_with_t() -> None:
    # FHL 2005: a customer with x = 2, t_x = 30.43, T = 38.86 is expected to make 1.226 purchases in 39 weeks
    assert bgnbd.conditional_expected_purchases(CDNOW_PARAMS, 39.0, 2, 30.43, 38.86) == pytest.approx(1.226, abs=5e-4)
    t = np.linspace(0.0, 520.0, 61)[:, None]
    x = np.array([0.0, 1.0, 2.0, 7.0, 25.0])
    t_x = np.array([0.0, 3.0, 30.43, 20.0, 38.0])
    T = np.array([38.86, 20.0, 38.86, 38.86, 38.86])
    ey = bgnbd.conditional_expected_purchases(CDNOW_PARAMS, t, x, t_x, T)
    assert np.all(ey[0] == 0.0)
    assert np.all(np.diff(ey, axis=0) > 0)
    new = bgnbd.expected_purchases_new_customer(CDNOW_PARAMS, t[:, 0])
    assert new[0] == 0.0 and np.all(np.diff(new) > 0)


def _reference_tail(r_x: float, b_x: float, c: float, alpha_T: float, t: float) -> float:
    """1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; c; z) by its power series in 60-digit decimals."""
    getcontext().prec = 60
    A, B, C = Decimal(r_x), Decimal(b_x), Decimal(c)
    z = Decimal(t) / (Decimal(alpha_T) + Decimal(t))
    term, total, k = Decimal(1), Decimal(1), 0
    while k < 50 or abs(term) > abs(total) * Decimal("1e-40"):
        term = term * (A + k) * (B + k) / ((C + k) * (k + 1)) * z
        total += term
        k += 1
    return float(1 - (Decimal(alpha_T) / (Decimal(alpha_T) + Decimal(t))) ** A * total)


@pytest.mark.parametrize(
    ("x", "t_x", "T", "t"),
    [
        (0.0, 0.0, 38.86, 52.0),
        (2.0, 30.43, 38.86, 39.0),
        (300.0, 40.0, 45.0, 104.0),  # frequent buyer, long horizon: the direct 2F1 overflows
        (120.0, 1.0, 2.0, 260.0),  # z close to 1
        (5.0, 1.0, 1.0, 0.01),  # tiny horizon
    ],
)
def test_expected_purchases_are_stable_for_extreme_customers(x: float, t_x: float, T: float, t: float) -> None:
    p = CDNOW_PARAMS
    got = bgnbd.conditional_expected_purchases(p, t, x, t_x, T)
    tail = _reference_tail(p.r + x, p.b + x, p.a + p.b + x - 1.0, p.alpha + T, t)
    expected = bgnbd.probability_alive(p, x, t_x, T) * (p.a + p.b + x - 1.0) / (p.a - 1.0) * tail
    assert np.isfinite(got) and got >= 0
    assert got == pytest.approx(expected, rel=1e-8)


def test_likelihood_gradients_match_finite_differences(
    cdnow_summary: pd.DataFrame, cdnow_repeat_buyers: pd.DataFrame
) -> None:
    x, t_x, T = _arrays(cdnow_summary)
    data = bgnbd._FitData.build(x, t_x, T, np.ones_like(x))
    for params in ([0.3, 5.0, 0.7, 2.1], [2.0, 0.5, 3.0, 0.4]):
        point = np.log(params)
        value, grad = bgnbd._negative_loglik_and_grad(point, data)
        assert -value * x.size == pytest.approx(bgnbd.log_likelihood(bgnbd.BgNbdParams(*params), x, t_x, T))
        numeric = optimize.approx_fprime(point, lambda v: bgnbd._negative_loglik_and_grad(v, data)[0], 1e-7)
        assert np.allclose(grad, numeric, rtol=1e-4, atol=1e-6)

    xs, zbar = cdnow_repeat_buyers["x"].to_numpy(float), cdnow_repeat_buyers["zbar"].to_numpy(float)
    gg_data = gamma_gamma._FitData.build(xs, zbar)
    for params in ([3.0, 2.0, 10.0], [0.5, 0.8, 100.0]):
        point = np.log(params)
        value, grad = gamma_gamma._negative_loglik_and_grad(point, gg_data)
        ll = gamma_gamma.log_likelihood(gamma_gamma.GammaGammaParams(*params), xs, zbar)
        assert -value * xs.size == pytest.approx(ll)
        numeric = optimize.approx_fprime(point, lambda v: gamma_gamma._negative_loglik_and_grad(v, gg_data)[0], 1e-7)
        assert np.allclose(grad, numeric, rtol=1e-4, atol=1e-6)


def test_gamma_gamma_expected_value_is_a_weighted_mean() -> None:
    params = gamma_gamma.GammaGammaParams(**PUBLISHED_GAMMA_GAMMA)
    population = gamma_gamma.population_mean_value(params)
    value = gamma_gamma.conditional_expected_value(params, [0, 1, 10, 1000], [0.0, 50.0, 50.0, 50.0])
    assert value[0] == pytest.approx(population)  # no repeat purchase: the population mean
    assert population < value[1] < value[2] < value[3] < 50.0  # shrinks less as x grows
    assert value[3] == pytest.approx(50.0, rel=1e-3)


def test_fit_recovers_simulated_parameters() -> None:
    rng = np.random.default_rng(2005)
    truth = bgnbd.BgNbdParams(r=0.5, alpha=6.0, a=1.2, b=3.0)
    x, t_x, T = bgnbd.sample_summary(truth, rng.uniform(1.0, 78.0, 100_000), rng)
    fitted = bgnbd.fit(x, t_x, T).params.as_dict()
    for name, value in truth.as_dict().items():
        assert fitted[name] == pytest.approx(value, rel=0.08), name

    gg_truth = gamma_gamma.GammaGammaParams(p=6.25, q=3.74, gamma=15.44)
    zbar = gamma_gamma.sample_mean_values(gg_truth, x, rng)
    repeat = x > 0
    gg_fitted = gamma_gamma.fit(x[repeat], zbar[repeat]).params.as_dict()
    for name, value in gg_truth.as_dict().items():
        assert gg_fitted[name] == pytest.approx(value, rel=0.08), name


# --------------------------------------------------------------------------------------------
# scoring
# --------------------------------------------------------------------------------------------


def test_clv_is_discounted_monthly_expected_purchases_times_value() -> None:
    bg = CDNOW_PARAMS
    gg = gamma_gamma.GammaGammaParams(**PUBLISHED_GAMMA_GAMMA)
    x, t_x, T, zbar = (
        np.array([0.0, 2.0, 6.0]),
        np.array([0.0, 30.43, 35.0]),
        np.full(3, 38.86),
        np.array([0, 22.35, 40]),
    )
    k = time_units_per_month("W")
    assert k == pytest.approx(365.25 / 12 / 7)

    undiscounted = score_customers(bg, gg, x, t_x, T, zbar, horizon_months=12, monthly_rate=0.0)
    ey12 = bgnbd.conditional_expected_purchases(bg, 12 * k, x, t_x, T)
    value = gamma_gamma.conditional_expected_value(gg, x, zbar)
    assert np.allclose(undiscounted.expected_purchases_horizon, ey12, rtol=1e-12)
    assert np.allclose(undiscounted.predicted_clv, ey12 * value, rtol=1e-10)

    d = monthly_discount_rate(0.10)
    assert (1 + d) ** 12 == pytest.approx(1.10)
    discounted = score_customers(bg, gg, x, t_x, T, zbar, horizon_months=12, monthly_rate=d)
    months = np.arange(0, 13)[:, None] * k
    monthly = np.diff(bgnbd.conditional_expected_purchases(bg, months, x, t_x, T), axis=0)
    assert np.allclose(discounted.predicted_clv, value * (discount_factors(12, d) @ monthly), rtol=1e-12)
    assert np.all(discounted.predicted_clv < undiscounted.predicted_clv)

    in_days = score_customers(bg, gg, x, t_x * 7, T * 7, zbar, horizon_months=12, monthly_rate=d, time_unit="D")
    scaled = bgnbd.BgNbdParams(r=bg.r, alpha=bg.alpha * 7, a=bg.a, b=bg.b)  # alpha scales with the time unit
    in_days_scaled = score_customers(
        scaled, gg, x, t_x * 7, T * 7, zbar, horizon_months=12, monthly_rate=d, time_unit="D"
    )
    assert np.allclose(in_days_scaled.predicted_clv, discounted.predicted_clv, rtol=1e-10)
    assert not np.allclose(in_days.predicted_clv, discounted.predicted_clv)


def test_scoring_a_million_synthetic_customers() -> None:
    rng = np.random.default_rng(1)
    n = 1_000_000
    x, t_x, T = bgnbd.sample_summary(CDNOW_PARAMS, rng.uniform(0.2, 104.0, n), rng)
    gg = gamma_gamma.GammaGammaParams(**PUBLISHED_GAMMA_GAMMA)
    zbar = gamma_gamma.sample_mean_values(gg, x, rng)
    scores = score_customers(CDNOW_PARAMS, gg, x, t_x, T, zbar, chunk_size=300_000)
    for column in (scores.probability_alive, scores.expected_purchases_horizon, scores.expected_order_value):
        assert column.shape == (n,) and np.isfinite(column).all()
    assert ((scores.probability_alive > 0) & (scores.probability_alive <= 1)).all()
    assert (scores.expected_purchases_horizon >= 0).all() and (scores.predicted_clv >= 0).all()
    # chunking does not change results
    head = score_customers(CDNOW_PARAMS, gg, x[:1000], t_x[:1000], T[:1000], zbar[:1000], chunk_size=7)
    assert np.allclose(head.predicted_clv, scores.predicted_clv[:1000], rtol=1e-12)


# --------------------------------------------------------------------------------------------
# the DuckDB pipeline step
# --------------------------------------------------------------------------------------------


@pytest.fixture()
def cdnow_con(cdnow_transactions: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema raw")
    con.register("cdnow_df", cdnow_transactions)
    con.execute("create table raw.orders as select customer_id, ordered_at, revenue from cdnow_df")
    con.unregister("cdnow_df")
    return con


TRANSACTIONS_SQL = "select customer_id, ordered_at, revenue from raw.orders"


def test_pipeline_step_writes_both_tables(cdnow_con: duckdb.DuckDBPyConnection) -> None:
    result = fit_and_score(cdnow_con, TRANSACTIONS_SQL, CALIBRATION_END)
    assert result.converged and result.n_customers == 2357 and result.n_repeat_buyers == 946
    assert_close_to_published(result.bgnbd.params.as_dict(), PUBLISHED_BGNBD)
    assert_close_to_published(result.gamma_gamma.params.as_dict(), PUBLISHED_GAMMA_GAMMA)

    runs = cdnow_con.sql("select * from marts.clv_model_runs").to_arrow_table().to_pandas()
    assert len(runs) == 1
    run = runs.iloc[0]
    assert run["run_id"] == result.run_id and run["model"] == "bgnbd_gamma_gamma"
    assert_close_to_published(run[["r", "alpha", "a", "b"]].to_dict(), PUBLISHED_BGNBD)
    assert_close_to_published(run[["p", "q", "gamma"]].to_dict(), PUBLISHED_GAMMA_GAMMA)
    assert run["bgnbd_log_likelihood"] == pytest.approx(-9582.4, abs=0.1)
    assert run["gamma_gamma_log_likelihood"] < 0
    assert (run["n_customers"], run["n_repeat_buyers"]) == (2357, 946)
    assert pd.Timestamp(run["as_of"]).date() == CALIBRATION_END
    assert run["horizon_months"] == 12 and run["annual_discount_rate"] == 0.10 and run["time_unit"] == "W"
    assert bool(run["converged"]) and run["fitted_at"] is not None

    scores = cdnow_con.sql("select * from marts.customer_clv").to_arrow_table().to_pandas()
    assert len(scores) == 2357 and scores["customer_id"].is_unique
    assert list(scores.columns) == [
        "customer_id",
        "repeat_purchases",
        "purchase_span_periods",
        "customer_age_periods",
        "average_repeat_value",
        "probability_alive",
        "expected_purchases_horizon",
        "expected_order_value",
        "predicted_clv",
        "horizon_months",
        "time_unit",
        "as_of",
        "run_id",
    ]
    assert (scores.loc[scores["repeat_purchases"] == 0, "probability_alive"] == 1.0).all()
    assert scores["predicted_clv"].notna().all() and (scores["predicted_clv"] >= 0).all()
    assert (scores["run_id"] == result.run_id).all()
    assert (scores["horizon_months"] == 12).all() and (scores["time_unit"] == "W").all()
    assert scores["predicted_clv"].sum() == pytest.approx(result.total_clv)


def test_rerun_appends_one_model_run_and_replaces_scores(cdnow_con: duckdb.DuckDBPyConnection) -> None:
    first = fit_and_score(cdnow_con, TRANSACTIONS_SQL, CALIBRATION_END)
    second = fit_and_score(cdnow_con, TRANSACTIONS_SQL, date(1998, 6, 30), horizon_months=6, out_schema="marts")
    runs = cdnow_con.sql("select run_id, as_of, horizon_months from marts.clv_model_runs order by fitted_at").fetchall()
    assert [r[0] for r in runs] == [first.run_id, second.run_id]
    assert [r[2] for r in runs] == [12, 6]
    counts = cdnow_con.execute(
        "select count(*), count(distinct run_id), count(distinct customer_id), min(as_of) from marts.customer_clv"
    ).fetchall()[0]
    assert counts == (2357, 1, 2357, date(1998, 6, 30))
    assert cdnow_con.execute("select distinct run_id from marts.customer_clv").fetchall()[0][0] == second.run_id


def test_too_few_repeat_buyers_gives_a_clear_error(cdnow_con: duckdb.DuckDBPyConnection) -> None:
    few = "select customer_id, ordered_at, revenue from raw.orders where customer_id <= 40"
    n_repeat = cdnow_con.execute(
        "select count(*) from (select customer_id from raw.orders where customer_id <= 40 "
        "and ordered_at <= date '1997-09-30' group by customer_id having count(distinct cast(ordered_at as date)) > 1)"
    ).fetchall()[0][0]
    assert 0 < n_repeat < 30
    with pytest.raises(InsufficientRepeatBuyersError, match=rf"only {n_repeat} repeat buyers") as excinfo:
        fit_and_score(cdnow_con, few, CALIBRATION_END)
    assert excinfo.value.n_repeat_buyers == n_repeat and excinfo.value.minimum == 30
    tables = cdnow_con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
    ).fetchall()
    assert tables == [("clv_model_runs",), ("customer_clv",)]  # both exist, typed ...
    assert cdnow_con.execute("select (select count(*) from marts.clv_model_runs) + "
                             "(select count(*) from marts.customer_clv)").fetchall() == [(0,)]  # ... and empty


def test_config_defaults_match_the_step_signature(tmp_path: Path, cdnow_con: duckdb.DuckDBPyConnection) -> None:
    config = load_config()
    defaults = inspect.signature(fit_and_score).parameters
    assert config == ClvConfig()
    for name in ("horizon_months", "annual_discount_rate", "time_unit", "out_schema"):
        assert getattr(config, name) == defaults[name].default, name

    custom = tmp_path / "clv.yml"
    custom.write_text("horizon_months: 3\ntime_unit: d\nout_schema: analytics\nmin_repeat_buyers: 10\n")
    result = fit_and_score_with_config(cdnow_con, TRANSACTIONS_SQL, CALIBRATION_END, load_config(custom))
    assert (result.horizon_months, result.time_unit, result.scores_table) == (3, "D", "analytics.customer_clv")
    assert cdnow_con.execute("select count(*) from analytics.clv_model_runs").fetchall() == [(1,)]

    (tmp_path / "bad.yml").write_text("horizon: 12\n")
    with pytest.raises(ValueError, match=r"bad.yml: horizon: unknown key \(known: horizon_months, "):
        load_config(tmp_path / "bad.yml")
