"""Every contract table exists before the first build, typed, and a later real load merges into it."""

from __future__ import annotations

from pathlib import Path

import duckdb

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
