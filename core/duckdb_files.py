"""Opening the warehouse's DuckDB files from code that may share a process with dbt."""

from __future__ import annotations

from pathlib import Path

import duckdb


def connect_for_reading(db: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection, or a regular one when this process already has the file open.

    DuckDB keeps one instance per file per process (dbt run in process keeps its own open) and
    refuses a second connection with another configuration.
    """
    try:
        return duckdb.connect(str(db), read_only=True)
    except duckdb.ConnectionException:
        return duckdb.connect(str(db))
