"""The CLV fit has one input definition (clv.transactions), read by the main job and the Dagster asset alike."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np

from clv.run import fit_and_score_with_config, load_config
from clv.transactions import TRANSACTIONS_RELATION, TRANSACTIONS_SQL, missing_inputs
from orchestration.defs.clv import CLV_UPSTREAM, clv_fit
from orchestration.keys import model_key
from orchestration.resources import WarehouseResource

AS_OF = date(2026, 6, 30)
RATES = {"USD": 1.0, "GBP": 1.27, "CAD": 0.73}


def _customer_orders(con: duckdb.DuckDBPyConnection) -> None:
    """A ``marts.customer_orders`` as the value marts build it: money already in the reporting currency."""
    rng = np.random.default_rng(11)
    rows = []
    for n in range(120):
        first = datetime(2025, 1, 1) + timedelta(days=int(rng.integers(0, 300)))
        currency = ("USD", "GBP", "CAD")[n % 3]
        for k in range(int(rng.integers(1, 6))):
            amount = float(rng.gamma(4.0, 15.0))
            rows.append((f"c{n:03d}", first + timedelta(days=40 * k), round(amount * RATES[currency], 2),
                         currency, n % 40 == 0))
    con.execute("create schema if not exists marts")
    con.execute("create table marts.customer_orders (customer_id varchar, ordered_at timestamp, "
                "net_revenue decimal(18, 2), currency varchar, is_business_customer boolean)")
    con.executemany("insert into marts.customer_orders values (?, ?, ?, ?, ?)", rows)


def _scores(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    columns = [c for (c,) in con.execute("select column_name from information_schema.columns where table_schema = "
                                         "'marts' and table_name = 'customer_clv' and column_name <> 'run_id' "
                                         "order by ordinal_position").fetchall()]
    rows = con.execute(f"select {', '.join(columns)} from marts.customer_clv order by customer_id").fetchall()
    return [tuple(repr(v) for v in row) for row in rows]  # repr: NaN (one-time buyers' spend) equals itself


def test_the_dagster_asset_fits_the_same_transactions_as_the_main_job(tmp_path: Path) -> None:
    warehouse = WarehouseResource(home=str(tmp_path), source="landing", as_of=AS_OF.isoformat())
    build_db = warehouse.paths.build_db
    with duckdb.connect(str(build_db)) as con:
        assert missing_inputs(con) == [TRANSACTIONS_RELATION]
        _customer_orders(con)
        assert missing_inputs(con) == []

    assert [model_key(TRANSACTIONS_RELATION)] == CLV_UPSTREAM, "the asset depends on what the fit reads"
    result = dg.materialize([clv_fit], resources={"warehouse": warehouse})
    assert result.success
    [event] = result.get_asset_materialization_events()
    assert event.materialization.metadata["status"].value == "fitted"
    with duckdb.connect(str(build_db)) as con:
        by_asset = _scores(con)
        fitted = fit_and_score_with_config(con, TRANSACTIONS_SQL, AS_OF, load_config())  # the main job's call
        assert _scores(con) == by_asset and by_asset
        assert event.materialization.metadata["n_customers"].value == fitted.n_customers == 117
        business = con.execute("select count(*) from marts.customer_clv where customer_id in "
                               "(select customer_id from marts.customer_orders where is_business_customer)"
                               ).fetchall()[0][0]
        assert business == 0, "business customers are left out of the fit"
