"""The run summary's inventory counts tables, not the views it would have to run to count."""

from __future__ import annotations

import duckdb

from cdw.inventory import inventory, table_counts


def test_views_are_listed_not_run_and_mart_views_are_counted(tmp_path):
    db = tmp_path / "build.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema staging; create schema marts; create schema raw_shopify")
        con.execute("create table raw_shopify.orders as select * from range(3)")
        con.execute("create table raw_shopify._dlt_loads as select 1 as x")
        # Running this view fails: the inventory must not run it to count its rows.
        con.execute("create view staging.stg_orders as select error('a staging view was run') as x")
        con.execute("create view marts.customer_value as select * from raw_shopify.orders")

    found = inventory(db)

    assert found.tables == {"raw_shopify.orders": 3, "marts.customer_value": 3}
    assert found.views == {"staging": 1}
    assert table_counts(db) == found.tables
    assert inventory(tmp_path / "missing.duckdb").tables == {}
