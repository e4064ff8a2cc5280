"""One as-of boundary: a date is the end of that day, inclusive, in dbt's marts and in the CLV summary alike.

A small demo is loaded, one store order of a repeat customer is moved to 23:59:59 on the as-of day
(in the raw table, as if the store had sent it so), and the warehouse is built with that date as
the as-of (a bare date, as someone passing `--vars '{as_of: ...}'` by hand would). Both the value
marts (``marts.customer_orders``, ``marts.customer_ltv``) and the CLV summary, given the as-of's
day (``core.as_of.AsOf.day``, what the CLV step receives), count the order. Built again as of the
day before, both leave it out.
"""

from __future__ import annotations

import importlib.util
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from clv.summary import build_summary
from clv.transactions import TRANSACTIONS_SQL
from core.as_of import resolve_as_of
from core.dbt import DbtPlace, invoke_dbt_like_cli

AS_OF_DAY = date(2026, 9, 30)
LAST_SECOND = datetime(2026, 9, 30, 23, 59, 59)
DEMO_AVAILABLE = (importlib.util.find_spec("ingestion.load") is not None
                  and importlib.util.find_spec("demo.generate") is not None)

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not DEMO_AVAILABLE, reason="needs the demo generator and loader")]


def run_dbt(args: list[str], database: Path, work_dir: Path, as_of: str) -> None:
    result = invoke_dbt_like_cli(DbtPlace.beside(database, work_dir), args, as_of=as_of)
    assert result.returncode == 0, result.stdout[-20000:]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str, str]:
    """The built demo and the moved order: (database, work dir, order id, its customer's actor key)."""
    from demo.generate import generate
    from ingestion.load import load_landing

    work = tmp_path_factory.mktemp("as_of_boundary")
    database = work / "build.duckdb"
    generate(work / "landing", work / "truth", customers=400, seed=3)
    load_landing(work / "landing", database, work / "dlt")
    with duckdb.connect(str(database)) as con:
        # a store order of a customer with other orders well before the as-of day, never refunded
        # or cancelled: it becomes the customer's last order, at the last second of the as-of day
        order_id, customer = con.execute("""
            select max(orders.id), orders.customer__id
            from raw_shopify.orders as orders
            where orders.cancelled_at is null
                and orders.customer__id is not null
                and orders.id not in (select order_id from raw_shopify.refunds)
            group by orders.customer__id
            having count(distinct orders.id) >= 3 and max(orders.created_at) < '2026-09-01'
                and bool_and(orders.shipping_address__company is null)
            order by orders.customer__id
            limit 1
        """).fetchall()[0]
        stamp = LAST_SECOND.strftime("%Y-%m-%dT%H:%M:%SZ")
        con.execute("update raw_shopify.orders set created_at = ?, updated_at = ?, processed_at = ?, "
                    "fulfilled_at = null where id = ?", [stamp, stamp, stamp, order_id])
    run_dbt(["build", "--select", "+customer_ltv", "--resource-type", "model", "--resource-type", "seed"],
            database, work, AS_OF_DAY.isoformat())
    return database, work, str(order_id), str(customer)


def _counted(database: Path, order_id: str) -> dict[str, object]:
    """Where the moved order counts: the marts (its row, the customer's last order) and the CLV summary."""
    as_of = resolve_as_of(AS_OF_DAY.isoformat())
    with duckdb.connect(str(database)) as con:
        row = con.execute("select customer_id, ordered_at from marts.customer_orders where order_key = ?",
                          [f"shopify:{order_id}"]).fetchall()
        customer_id = row[0][0] if row else con.execute(
            "select customer_id from marts.customer_source_map where source_system = 'shopify' "
            "and source_entity = 'order' and source_key = ?", [order_id]).fetchall()[0][0]
        last_order_at = con.execute("select last_order_at from marts.customer_ltv where customer_id = ?",
                                    [customer_id]).fetchall()[0][0]
        summary = {r["customer_id"]: r for r in build_summary(con, TRANSACTIONS_SQL, as_of.day, "D").to_pylist()}
        days = con.execute("select count(distinct cast(ordered_at as date)) from marts.customer_orders "
                           "where customer_id = ? and cast(ordered_at as date) < ?",
                           [customer_id, AS_OF_DAY]).fetchall()[0][0]
    return {"in_customer_orders": bool(row), "last_order_at": last_order_at,
            "summary_repeat_purchases": summary[customer_id]["repeat_purchases"],
            "purchase_days_before": days}


def test_an_order_at_the_last_second_of_the_as_of_day_counts_in_dbt_and_in_the_clv_summary(warehouse) -> None:
    database, _, order_id, _ = warehouse
    assert resolve_as_of(AS_OF_DAY.isoformat()).day == AS_OF_DAY  # what the CLV step is given
    counted = _counted(database, order_id)
    assert counted["in_customer_orders"], "dbt: the order placed at 23:59:59 on the as-of day counts"
    assert counted["last_order_at"] == LAST_SECOND
    # the CLV summary counts the as-of day as one more purchase day
    assert counted["summary_repeat_purchases"] == counted["purchase_days_before"]


def test_as_of_the_day_before_both_leave_it_out(warehouse) -> None:
    database, work, order_id, _ = warehouse
    day_before = AS_OF_DAY - timedelta(days=1)
    run_dbt(["run", "--select", "fct_orders", "fct_order_lines", "customer_orders", "customer_ltv"], database, work,
            day_before.isoformat())
    as_of = resolve_as_of(day_before.isoformat())
    with duckdb.connect(str(database)) as con:
        assert con.execute("select count(*) from marts.customer_orders where order_key = ?",
                           [f"shopify:{order_id}"]).fetchall() == [(0,)]
        customer_id = con.execute("select customer_id from marts.customer_source_map where source_system = "
                                  "'shopify' and source_entity = 'order' and source_key = ?",
                                  [order_id]).fetchall()[0][0]
        last = con.execute("select last_order_at from marts.customer_ltv where customer_id = ?",
                           [customer_id]).fetchall()[0][0]
        summary = {r["customer_id"]: r for r in build_summary(con, TRANSACTIONS_SQL, as_of.day, "D").to_pylist()}
        days = con.execute("select count(distinct cast(ordered_at as date)) from marts.customer_orders "
                           "where customer_id = ?", [customer_id]).fetchall()[0][0]
    assert last < datetime.combine(day_before, datetime.max.time())
    assert summary[customer_id]["repeat_purchases"] == days - 1
