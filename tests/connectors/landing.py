"""Helpers for connector tests: run a connector's dlt source into a temporary warehouse, read it back,
look for leaked secrets."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import duckdb

from core.contracts import SystemContract
from ingestion.load import make_pipeline


def run_source(source: Callable[..., Any], contract: SystemContract, root: Path,
               arguments: Mapping[str, Any]) -> dict[str, int]:
    """One pipeline run of ``source(**arguments)`` into ``root``/warehouse.duckdb; rows per table."""
    pipeline = make_pipeline(contract.system, contract.schema, root / "warehouse.duckdb", root / "pipelines")
    pipeline.run(source(**arguments))
    return dict(pipeline.last_trace.last_normalize_info.row_counts)


def landed_rows(schema: str, root: Path, table: str, order: str = "1") -> list[dict[str, Any]]:
    """Every row of ``schema.table`` in ``root``/warehouse.duckdb, as dicts, ordered by ``order``."""
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        result = con.execute(f"SELECT * FROM {schema}.{table} ORDER BY {order}")
        names = [d[0] for d in result.description]
        return [dict(zip(names, values, strict=True)) for values in result.fetchall()]


def landed_by_id(schema: str, root: Path, table: str) -> dict[Any, dict[str, Any]]:
    """Rows of ``schema.table`` by ``id``; fails when an id landed twice."""
    found = landed_rows(schema, root, table)
    assert len(found) == len({r["id"] for r in found}), f"duplicates in {table}"
    return {r["id"]: r for r in found}


def landed_columns(schema: str, root: Path, table: str) -> list[str]:
    """Column names of ``schema.table``, in table order."""
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        return [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
            "ORDER BY ordinal_position", [schema, table]).fetchall()]


def warehouse_values_containing(warehouse: Path, needle: str) -> list[str]:
    """``schema.table.column`` of every text-castable value holding ``needle``, over all tables."""
    found = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cells = con.execute("SELECT table_schema, table_name, column_name FROM information_schema.columns "
                            "WHERE table_catalog = current_database()").fetchall()
        for schema, table, column in cells:
            hit = con.execute(f'SELECT count(*) FROM "{schema}"."{table}" WHERE CAST("{column}" AS VARCHAR) '
                              f"LIKE '%' || ? || '%'", [needle]).fetchall()[0][0]
            if hit:
                found.append(f"{schema}.{table}.{column}")
    return found


def error_chain(error: BaseException) -> list[BaseException]:
    """``error`` and every exception it was raised from or during, without repeats."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not s for s in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen
