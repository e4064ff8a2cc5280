"""The landing reader's work database: one system's new rows checked and reduced in DuckDB.

A seller's table can be larger than the machine's memory (a million customers' pixel events are
tens of millions of rows), so the reader never holds a whole table in Python. Each landing file is
read in Arrow record batches of :data:`BATCH_ROWS` rows, checked batch by batch and appended to a
table of this database; the newest version per key, the rows older than the warehouse's and the
distinct quarantine rows are computed there by DuckDB, within the ingest memory limit
(:func:`core.resources.ingest_resources`), and the rows to land leave again in batches of
:data:`BATCH_ROWS`.

The database is DuckDB's in-memory kind with the configured spill folder: what does not fit in
the limit is written there (a table larger than the limit lives on disk), and a process killed
mid-run leaves only DuckDB's spill files, which the next run's start removes with every other
step's (:func:`cdw.publish.clean_stale_publish_files`). Nothing is written when everything fits.

Reading back holds no DuckDB state between batches: each batch is its own query over a range of
row numbers, so dlt can take batches from several tables in turn (as it does) without their
queries pinning memory meanwhile.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from core.duckdb_files import connect_work
from core.resources import ingest_resources
from core.sql import quote_identifier as quote

BATCH_ROWS = 250_000
"""Rows per Arrow batch read from a landing file and handed to dlt: around 100 MB for the widest
tables. Each batch pays a fixed cost (its check query, its insert, its page query, dlt's file); at
200,000 customers 250,000 rows loaded in 63.6 s at a 2.6 GB peak, 100,000 in 82.9 s at 2.2 GB."""

PageSql = Callable[[int, int], str]
"""The SQL of one page: the rows whose row number is in ``[first, end)``."""


class WorkDatabase:
    """An in-memory DuckDB for one system's run: UTC, input order kept, the ingest memory limit and
    spill folder of the warehouse file ``beside`` (without one: a temporary folder of its own).
    ``batch_rows``: rows per batch read and handed on (default :data:`BATCH_ROWS`).
    """

    def __init__(self, beside: Path | None = None, *, batch_rows: int | None = None) -> None:
        self.beside = Path(beside) if beside is not None else None
        self.batch_rows = batch_rows or BATCH_ROWS
        self._own_folder: Path | None = None
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._closed = False

    def connection(self) -> duckdb.DuckDBPyConnection:
        """The open connection, made on first use; an error once closed."""
        if self._closed:
            raise RuntimeError("the landing work database was used after it was closed")
        if self._connection is None:
            beside = self.beside
            if beside is None:
                self._own_folder = Path(tempfile.mkdtemp(prefix="cdw-landing-"))
                beside = self._own_folder / "work.duckdb"
            con = connect_work(beside, ingest_resources(beside))
            con.execute("SET TimeZone = 'UTC'")
            con.execute("SET preserve_insertion_order = true")
            self._connection = con
        return self._connection

    def close(self) -> None:
        """Close the connection: its tables and spilled blocks are gone (they hold customer rows)."""
        self._closed = True
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._own_folder is not None:
            shutil.rmtree(self._own_folder, ignore_errors=True)

    # -- writing -----------------------------------------------------------------------------

    def create_table(self, name: str, schema: pa.Schema) -> None:
        """An empty table with the DuckDB types of ``schema`` (Arrow ``null`` columns as text)."""
        self.drop_table(name)
        self._from_arrow(f"CREATE TABLE {quote(name)} AS SELECT * FROM __cdw_rows", without_null_types(schema)
                         .empty_table())

    def drop_table(self, name: str) -> None:
        self.connection().execute(f"DROP TABLE IF EXISTS {quote(name)}")

    def _from_arrow(self, sql: str, rows: pa.Table) -> None:
        con = self.connection()
        con.register("__cdw_rows", rows)
        try:
            con.execute(sql)
        finally:
            con.unregister("__cdw_rows")

    def duckdb_types(self, schema: pa.Schema) -> dict[str, str]:
        """Column -> the DuckDB type an Arrow column of that type arrives as."""
        con = self.connection()
        con.register("__cdw_types", schema.empty_table())
        try:
            return {name: kind for name, kind, *_ in con.execute("DESCRIBE SELECT * FROM __cdw_types").fetchall()}
        finally:
            con.unregister("__cdw_types")

    # -- reading -----------------------------------------------------------------------------

    def query_schema(self, sql: str) -> pa.Schema:
        """The Arrow schema the rows of ``sql`` are read in."""
        return self.connection().sql(f"SELECT * FROM ({sql}) LIMIT 0").to_arrow_table().schema

    def pages(self, page_sql: PageSql, end: int, schema: pa.Schema | None = None) -> Iterator[pa.Table]:
        """The rows of ``page_sql`` for the row numbers ``[0, end)``, ``batch_rows`` numbers at a time,
        each page cast to ``schema``; empty pages are left out.

        Every page is a query of its own, run to its end before the page is yielded: nothing of it
        stays pinned in DuckDB while dlt works on the page or on other tables. Row numbers follow
        the order rows were written in, so each page reads a few row groups (DuckDB skips the
        others by their min/max).
        """
        for first in range(0, end, self.batch_rows):
            page = self.connection().sql(page_sql(first, first + self.batch_rows)).to_arrow_table()
            if page.num_rows:
                yield page.cast(schema) if schema is not None else page


def without_null_types(schema: pa.Schema) -> pa.Schema:
    """Columns of Arrow type ``null`` (every value empty) as text, so they keep a real type."""
    return pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in schema])
