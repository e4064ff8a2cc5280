"""Every contract table exists before the first build, typed, and a later real load merges into it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from core.contracts import load_contracts
from demo.generate import generate
from ingestion.load import load_landing
from ingestion.raw_tables import ensure_contract_tables, missing_tables

LANDED_TYPES = {"text": "VARCHAR", "bigint": "BIGINT", "double": "DOUBLE", "boolean": "BOOLEAN"}


def _columns(db: Path, schema: str, table: str) -> list[tuple[str, str, str]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select column_name, data_type, is_nullable from information_schema.columns "
                           "where table_schema = ? and table_name = ? order by ordinal_position",
                           [schema, table]).fetchall()


def test_a_new_warehouse_gets_every_table_typed_and_empty_then_loads_merge_into_them(tmp_path: Path):
    db, pipelines = tmp_path / "build.duckdb", tmp_path / "dlt"
    contracts = load_contracts()
    created = ensure_contract_tables(db, pipelines)
    assert set(created) == set(contracts)
    assert missing_tables(db, contracts.values()) == {}
    for contract in contracts.values():
        for table in contract.tables:
            columns = _columns(db, contract.schema, table.name)
            expected = [(c.name, LANDED_TYPES[c.type], "NO" if c.name in table.primary_key else "YES")
                        for c in table.columns]
            assert columns[:len(expected)] == expected, table.qualified_name
            assert [c[0] for c in columns[len(expected):]] == ["_cdw_source_file", "_cdw_loaded_at"]
    assert ensure_contract_tables(db, pipelines) == {}, "a second call creates nothing"

    generate(tmp_path / "landing", tmp_path / "truth", customers=60, seed=5)
    result = load_landing(tmp_path / "landing", db, pipelines, systems=["shopify", "klaviyo"])
    assert result.landed["raw_shopify.orders"] > 0 and result.landed["raw_klaviyo.profiles"] > 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from raw_shopify.orders").fetchall()[0][0] > 0
        assert con.execute("select count(*) from raw_amazon.orders").fetchall()[0][0] == 0


def test_a_column_the_contract_gained_is_added_to_a_table_landed_before_it(tmp_path: Path, monkeypatch):
    """An upgrade: raw_shopify.orders landed (rows and all) under a contract without the billing
    columns; staging reads them. The next ingest adds them through dlt (the table keeps its rows,
    dlt's schema knows the columns), and a later load fills them."""
    import dataclasses

    import ingestion.landing_source as landing_source
    import ingestion.raw_tables as raw_tables

    db, pipelines = tmp_path / "build.duckdb", tmp_path / "dlt"
    contracts = load_contracts()
    shopify = contracts["shopify"]
    new_columns = {"billing_address__name", "billing_address__address1", "billing_address__zip",
                   "billing_address__country_code"}
    orders = shopify.table("orders")
    old_orders = dataclasses.replace(orders, columns=tuple(c for c in orders.columns if c.name not in new_columns))
    old_shopify = dataclasses.replace(shopify, tables=tuple(old_orders if t.name == "orders" else t
                                                            for t in shopify.tables))
    old_contracts = {**contracts, "shopify": old_shopify}
    generate(tmp_path / "landing", tmp_path / "truth", customers=60, seed=5)
    # The files of then: the vendor's rows without the columns (the load would keep them as extras).
    old_landing = tmp_path / "old_landing" / "shopify"
    old_landing.mkdir(parents=True)
    orders_file = pq.read_table(tmp_path / "landing" / "shopify" / "orders.parquet")
    pq.write_table(orders_file.drop_columns(sorted(new_columns)), old_landing / "orders.parquet")
    with monkeypatch.context() as old:
        for module in (raw_tables, landing_source):
            if hasattr(module, "load_contracts"):
                old.setattr(module, "load_contracts", lambda: old_contracts)
        old.setattr("ingestion.load.load_contracts", lambda: old_contracts)
        ensure_contract_tables(db, pipelines)
        load_landing(tmp_path / "old_landing", db, pipelines, systems=["shopify"])
    landed = {c[0] for c in _columns(db, "raw_shopify", "orders")}
    assert not new_columns & landed
    with duckdb.connect(str(db), read_only=True) as con:
        rows_before = con.execute("select count(*) from raw_shopify.orders").fetchall()[0][0]
    assert rows_before > 0

    assert missing_tables(db, contracts.values()) == {"shopify": ["orders"]}
    assert ensure_contract_tables(db, pipelines) == {"shopify": ["orders"]}
    assert new_columns <= {c[0] for c in _columns(db, "raw_shopify", "orders")}
    assert missing_tables(db, contracts.values()) == {}
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from raw_shopify.orders").fetchall()[0][0] == rows_before

    # A later load through dlt (which must know the columns now) merges as usual.
    result = load_landing(tmp_path / "landing", db, pipelines, systems=["shopify"], force=True)
    assert result.landed["raw_shopify.orders"] == rows_before
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from raw_shopify.orders").fetchall()[0][0] == rows_before
