"""The record of processed drop files: ``raw_file_drops.processed_files`` in the build warehouse.

One row per distinct file content (merge key ``sha256``): which file it was, its format, how many
rows it had, what it became, its encoding, how many exact duplicate lines were removed, and when it
was loaded. A row is written only after the loader confirmed the file's rows loaded.
``load_drops`` reads it to skip a file seen before (the same export dropped again, under any
name); people read it to see what was loaded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

SCHEMA = "raw_file_drops"
TABLE = "processed_files"
QUALIFIED = f"{SCHEMA}.{TABLE}"

DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {QUALIFIED} (
    sha256 VARCHAR PRIMARY KEY,
    file_name VARCHAR NOT NULL,
    format VARCHAR NOT NULL,
    system VARCHAR NOT NULL,
    "rows" BIGINT NOT NULL,
    tables VARCHAR,
    loaded_at TIMESTAMPTZ NOT NULL
);
ALTER TABLE {QUALIFIED} ADD COLUMN IF NOT EXISTS encoding VARCHAR;
ALTER TABLE {QUALIFIED} ADD COLUMN IF NOT EXISTS duplicate_lines BIGINT;
"""


@dataclass(frozen=True)
class ProcessedFile:
    """One row of ``raw_file_drops.processed_files``."""

    sha256: str
    file_name: str
    """Path relative to the drop folder, as dropped."""
    format: str
    system: str
    rows: int
    """Data rows in the file (lines after the heading, or JSON records)."""
    tables: dict[str, int]
    """Rows converted per raw table (``raw_shopify.orders``)."""
    loaded_at: datetime
    encoding: str | None = None
    """``utf-8``, ``utf-8-bom``, ``windows-1252`` or ``latin-1`` (the last two converted to UTF-8)."""
    duplicate_lines: int = 0
    """Exact duplicate lines removed before converting."""


def processed_files(warehouse: Path) -> dict[str, ProcessedFile]:
    """Every recorded file by sha256 (empty when the warehouse or the table does not exist yet)."""
    if not Path(warehouse).is_file():
        return {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                             [SCHEMA, TABLE]).fetchall()[0][0]
        if not exists:
            return {}
        columns = {c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = ? "
                                             "AND table_name = ?", [SCHEMA, TABLE]).fetchall()}
        extra = [f"{c}" if c in columns else f"NULL AS {c}" for c in ("encoding", "duplicate_lines")]
        rows = con.execute(f'SELECT sha256, file_name, format, system, "rows", tables, loaded_at, {", ".join(extra)} '
                           f"FROM {QUALIFIED}").fetchall()
    return {row[0]: ProcessedFile(row[0], row[1], row[2], row[3], row[4], json.loads(row[5] or "{}"), row[6],
                                  row[7], row[8] or 0) for row in rows}


def record_processed(warehouse: Path, files: list[ProcessedFile]) -> None:
    """Merge ``files`` into the record (a file's sha256 already there is replaced)."""
    if not files:
        return
    Path(warehouse).parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(DDL)
        con.executemany(
            f'INSERT OR REPLACE INTO {QUALIFIED} (sha256, file_name, format, system, "rows", tables, loaded_at, '
            "encoding, duplicate_lines) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[f.sha256, f.file_name, f.format, f.system, f.rows, json.dumps(f.tables, sort_keys=True), f.loaded_at,
              f.encoding, f.duplicate_lines] for f in files],
        )
