"""The CLV step's outcome: fitted, kept_previous or skipped, never a silent total of 0, never a numpy warning."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta

import duckdb
import numpy as np
import pytest

from clv import bgnbd, gamma_gamma
from clv.run import (
    FITTED,
    KEPT_PREVIOUS,
    SCORES_COLUMNS,
    SKIPPED,
    ClvConfig,
    FitRejectedError,
    ensure_tables,
    fit_and_score,
    fit_problems,
    run_clv,
    scores_in_force,
)
from clv.score import ClvScores

AS_OF = date(2025, 12, 31)
TRANSACTIONS = "select customer_id, ordered_at, revenue from tx"
CONFIG = ClvConfig()


@pytest.fixture(autouse=True)
def numpy_warnings_are_errors() -> Iterator[None]:
    """Any RuntimeWarning (numpy's "invalid value encountered in multiply" included) fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _transactions(con: duckdb.DuckDBPyConnection, *, customers: int = 400, seed: int = 5,
                  only_one_repeat: bool = False) -> None:
    """Customers with 1-6 purchase days; ``only_one_repeat``: every repeat buyer bought exactly twice, alike."""
    rng = np.random.default_rng(seed)
    rows = []
    for n in range(customers):
        first = datetime(2025, 1, 1) + timedelta(days=int(rng.integers(0, 300)), hours=int(rng.integers(0, 24)))
        rows.append((f"c{n:04d}", first, float(rng.gamma(4.0, 12.0))))
        repeats = (1 if n % 3 == 0 else 0) if only_one_repeat else int(rng.integers(0, 6))
        for k in range(repeats):
            gap = int(rng.integers(1, 30)) if only_one_repeat else 20 * (k + 1) + int(rng.integers(0, 15))
            rows.append((f"c{n:04d}", first + timedelta(days=gap),
                         20.0 + n % 7 if only_one_repeat else float(rng.gamma(4.0, 12.0))))
    con.execute("create or replace table tx (customer_id varchar, ordered_at timestamp, revenue double)")
    con.executemany("insert into tx values (?, ?, ?)", rows)


def _scores(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("select * from marts.customer_clv order by customer_id").fetchall()


def test_a_good_fit_is_fitted_and_says_what_it_wrote() -> None:
    con = duckdb.connect()
    _transactions(con)
    outcome = run_clv(con, AS_OF, CONFIG, TRANSACTIONS)
    assert outcome.status == FITTED and outcome.refitted and outcome.reason is None
    assert outcome.fit is not None and outcome.fit.converged
    assert outcome.scores is not None and outcome.scores.run_id == outcome.run_id
    assert outcome.scores.as_of == AS_OF and outcome.scores.customers == outcome.n_customers == 400
    assert outcome.scores.total_clv > 0 and set(outcome.scores.parameters) == {"r", "alpha", "a", "b", "p", "q",
                                                                             "gamma"}
    assert outcome.message.startswith(f"fitted as of {AS_OF} on 400 customers")
    assert "12-month predicted CLV total" in outcome.message
    total = con.execute("select sum(predicted_clv), count(*), min(horizon_months), min(time_unit) "
                        "from marts.customer_clv").fetchall()[0]
    assert total[0] == pytest.approx(outcome.scores.total_clv) and total[1:] == (400, 12, "W")
    assert con.execute("select status, reason from marts.clv_model_runs").fetchall() == [("fitted", None)]
    assert json.loads(json.dumps(outcome.to_dict()))["status"] == "fitted"


def test_too_few_repeat_buyers_keeps_the_last_good_scores() -> None:
    con = duckdb.connect()
    _transactions(con)
    first = run_clv(con, AS_OF, CONFIG, TRANSACTIONS)
    before = _scores(con)
    # the next load breaks identity (one customer per order, e.g. every e-mail blocklisted): no repeat buyers
    con.execute("create or replace table tx as select customer_id || '-' || row_number() over () as customer_id, "
                "ordered_at, revenue from tx")
    outcome = run_clv(con, AS_OF + timedelta(days=7), CONFIG, TRANSACTIONS)
    assert outcome.status == KEPT_PREVIOUS and not outcome.refitted
    assert outcome.n_repeat_buyers == 0 and outcome.min_repeat_buyers == 30
    assert "only 0 repeat buyers" in outcome.reason
    assert outcome.scores is not None and outcome.scores.run_id == first.run_id
    assert outcome.scores.as_of == AS_OF and outcome.scores.total_clv == pytest.approx(first.scores.total_clv)
    assert "kept the scores of run" in outcome.message and "total 0" not in outcome.message
    assert _scores(con) == before, "the last good scores stay untouched"
    runs = con.execute("select status, as_of, r is null from marts.clv_model_runs order by fitted_at").fetchall()
    assert runs == [("fitted", AS_OF, False), ("kept_previous", AS_OF + timedelta(days=7), True)]


def test_nothing_ever_fitted_is_skipped_and_leaves_a_typed_empty_table() -> None:
    con = duckdb.connect()
    _transactions(con, customers=20)
    outcome = run_clv(con, AS_OF, CONFIG, TRANSACTIONS)
    assert outcome.status == SKIPPED and outcome.scores is None
    assert "no scores yet" in outcome.message
    columns = con.execute("select column_name, data_type from information_schema.columns where table_schema = "
                          "'marts' and table_name = 'customer_clv' order by ordinal_position").fetchall()
    assert columns == [(name, kind.upper()) for name, kind, _ in SCORES_COLUMNS]
    assert _scores(con) == []


def test_the_default_input_not_built_yet_is_skipped_with_both_tables_in_place() -> None:
    con = duckdb.connect()
    outcome = run_clv(con, AS_OF, CONFIG)
    assert outcome.status == SKIPPED and outcome.reason == "marts.customer_orders not built yet"
    assert con.execute("select count(*) from information_schema.tables where table_schema = 'marts' "
                       "and table_name in ('customer_clv', 'clv_model_runs')").fetchall() == [(2,)]


def test_a_fit_that_does_not_converge_or_makes_no_sense_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fit that did not converge, or whose spend model has no mean (q <= 1), never replaces good scores."""
    con = duckdb.connect()
    _transactions(con)
    good = run_clv(con, AS_OF, CONFIG, TRANSACTIONS)
    fit = gamma_gamma.fit

    def unusable(x: np.ndarray, zbar: np.ndarray) -> gamma_gamma.GammaGammaFit:
        fitted = fit(x, zbar)
        return replace(fitted, params=replace(fitted.params, q=0.8), converged=False, message="ABNORMAL")

    monkeypatch.setattr(gamma_gamma, "fit", unusable)
    outcome = run_clv(con, AS_OF + timedelta(days=1), CONFIG, TRANSACTIONS)
    assert outcome.status == KEPT_PREVIOUS and outcome.scores.run_id == good.run_id
    assert "the Gamma-Gamma fit did not converge (ABNORMAL)" in outcome.reason
    assert "q = 0.8 <= 1" in outcome.reason and "expected order value" in outcome.reason
    rejected = con.execute("select status, q from marts.clv_model_runs where run_id = ?", [outcome.run_id]).fetchall()
    assert rejected == [("kept_previous", 0.8)]  # the rejected fit is on record
    with pytest.raises(FitRejectedError, match="did not converge"):
        fit_and_score(con, TRANSACTIONS, AS_OF)


def test_the_problems_of_a_fit_are_named() -> None:
    bg = bgnbd.BgNbdFit(bgnbd.BgNbdParams(r=0.3, alpha=float("nan"), a=0.5, b=2.0), -1.0, 10, True, 5, "ok")
    gg = gamma_gamma.GammaGammaFit(gamma_gamma.GammaGammaParams(p=2.0, q=3.0, gamma=20.0), -1.0, 5, True, 5, "ok")
    nan_scores = ClvScores(*(np.array([0.5, np.nan]),) * 4)
    assert fit_problems(bg, gg, nan_scores) == [
        "BG/NBD parameter alpha = nan is not a positive number",
        "predicted CLV is not a finite non-negative number for 1 customers",
        "P(alive) is not a finite non-negative number for 1 customers",
        "expected purchases is not a finite non-negative number for 1 customers",
    ]
    zero = ClvScores(*(np.zeros(2),) * 4)
    good_bg = replace(bg, params=replace(bg.params, alpha=4.0))
    assert fit_problems(good_bg, gg, zero) == ["predicted CLV totals 0"]


def test_a_homogeneous_population_at_the_edge_of_the_search_is_still_scored() -> None:
    """Every repeat buyer bought exactly twice, within a month: the drop-out parameters run to the edge
    of the search (a homogeneous population). Before, that gave numpy warnings and a total of 0."""
    con = duckdb.connect()
    _transactions(con, only_one_repeat=True)
    outcome = run_clv(con, AS_OF, CONFIG, TRANSACTIONS)
    assert outcome.status == FITTED and outcome.scores.total_clv > 0
    assert con.execute("select count(*) from marts.customer_clv where not isfinite(predicted_clv)").fetchall() == [
        (0,)]


def test_expected_purchases_stay_finite_for_a_homogeneous_drop_out() -> None:
    """a and b in the thousands: (1 - z)^(a - 1) underflows while Euler's series overflows (0 x inf);
    the direct hypergeometric form is used there, without a warning."""
    params = bgnbd.BgNbdParams(r=0.465, alpha=2.835, a=6197.4, b=14023.4)
    x, t_x, T = np.array([0.0, 1.0, 3.0, 10.0]), np.array([0.0, 5.0, 20.0, 50.0]), np.array([10.0, 30.0, 60.0, 60.0])
    t = np.array([4.35, 52.0])[:, None]
    expected = bgnbd.conditional_expected_purchases(params, t, x, t_x, T)
    assert np.isfinite(expected).all() and (expected > 0).all()
    assert (expected[1] > expected[0]).all()
    # the same as FHL eq. 10 in its direct form, where that one is well conditioned
    from scipy import special
    a, b, r, alpha = params.a, params.b, params.r, params.alpha
    z = t / (alpha + T + t)
    direct = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    p_alive = bgnbd.probability_alive(params, x, t_x, T)
    assert np.allclose(expected, p_alive * (a + b + x - 1) / (a - 1) * direct, rtol=1e-9)


def test_tables_of_an_earlier_version_are_renamed_in_place() -> None:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("""create table marts.customer_clv as select 'c1' as customer_id, 1.0::double as frequency,
        2.0::double as recency, 5.0::double as "T", 10.0::double as monetary_value, 0.9::double as probability_alive,
        1.0::double as expected_purchases_horizon, 12.0::double as expected_order_value,
        11.5::double as clv_horizon, date '2025-06-30' as as_of, 'old' as run_id""")
    ensure_tables(con)
    columns = [c for (c,) in con.execute("select column_name from information_schema.columns where table_schema = "
                                          "'marts' and table_name = 'customer_clv' order by ordinal_position")
               .fetchall()]
    assert set(columns) == {name for name, _, _ in SCORES_COLUMNS}
    kept = scores_in_force(con)
    assert kept is not None and (kept.run_id, kept.as_of, kept.customers, kept.total_clv) == (
        "old", date(2025, 6, 30), 1, 11.5)


def test_the_dbt_source_declares_the_scores_table_the_clv_step_writes():
    """dbt creates the table empty before its first build (on-run-start) from these declarations."""
    import yaml

    from clv.run import SCORES_COLUMNS
    from core.settings import REPO_ROOT

    source = yaml.safe_load((REPO_ROOT / "models" / "marts" / "value" / "__sources.yml").read_text())
    [table] = [t for s in source["sources"] if s["name"] == "clv" for t in s["tables"]]
    declared = [(c["name"], {"string": "varchar"}.get(c["data_type"], c["data_type"])) for c in table["columns"]]
    assert declared == [(name, kind) for name, kind, _ in SCORES_COLUMNS]
