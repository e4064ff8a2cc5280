"""Exact duplicate lines are removed and counted: a repeated line must not double line items or units."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ingestion.contract_check import connect_duckdb
from ingestion.file_drops import PROCESSED_FILES_TABLE, load_drops
from ingestion.file_drops.convert import convert_file
from tests.file_drops.conftest import FIXTURES, fixture_copy, place

HEADING, *LINES = (FIXTURES / "orders_export_1.csv").read_text().splitlines()


def repeated(path: Path) -> Path:
    """The orders export with an order's first line and another order's item line each repeated."""
    lines = [HEADING, LINES[0], LINES[0], *LINES[1:4], LINES[3], *LINES[4:]]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_repeated_line_is_removed_and_counted(tmp_path: Path) -> None:
    path = repeated(tmp_path / "orders_export_1.csv")
    con = connect_duckdb()
    try:
        conversion = convert_file(con, path, path.name, "0" * 64)
        clean = convert_file(con, FIXTURES / "orders_export_1.csv", "orders_export_1.csv", "1" * 64)
    finally:
        con.close()
    assert (conversion.rows, conversion.duplicate_lines) == (8, 2)
    assert conversion.dropped().duplicate_lines == 2
    for table in ("orders", "orders__line_items"):
        assert conversion.tables[table].to_pylist() == clean.tables[table].to_pylist(), table


def test_a_line_differing_in_one_field_is_not_a_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "orders_export_1.csv"
    changed = LINES[3].replace(",1,", ",2,", 1)
    assert changed != LINES[3]
    path.write_text("\n".join([HEADING, *LINES, changed]) + "\n")
    con = connect_duckdb()
    try:
        conversion = convert_file(con, path, path.name, "0" * 64)
    finally:
        con.close()
    assert conversion.duplicate_lines == 0
    assert conversion.tables["orders__line_items"].num_rows == len(LINES) + 1


def test_units_land_once_and_the_run_reports_the_removed_lines(tmp_path: Path) -> None:
    clean_drop, dirty_drop = tmp_path / "clean", tmp_path / "dirty"
    fixture_copy("orders_export_1.csv", clean_drop)
    place(repeated(tmp_path / "repeated" / "orders_export_1.csv"), dirty_drop / "orders_export_1.csv")
    units = {}
    for name, drop in (("clean", clean_drop), ("dirty", dirty_drop)):
        warehouse = tmp_path / f"{name}.duckdb"
        result = load_drops(drop, warehouse, tmp_path / f"dlt-{name}")
        with duckdb.connect(str(warehouse), read_only=True) as con:
            units[name] = con.execute("SELECT count(*), sum(quantity) FROM raw_shopify.orders__line_items").fetchall()
            recorded = con.execute(f"SELECT duplicate_lines FROM {PROCESSED_FILES_TABLE}").fetchall()
        if name == "dirty":
            assert result.duplicate_lines == {"orders_export_1.csv": 2}
            assert result.to_dict()["duplicate_lines"] == {"orders_export_1.csv": 2}
            assert recorded == [(2,)]
    assert units["dirty"] == units["clean"] == [(6, 10)]
