"""The landing reader's work database: one system's new rows on disk, checked and reduced there.

A seller's table can be larger than the machine's memory (a million customers' pixel events are
tens of millions of rows), so the reader never holds a whole table in Python. Each landing file is
read in Arrow record batches of :data:`BATCH_ROWS` rows, checked batch by batch and appended to a
table of a DuckDB database file; the newest version per key, the rows older than the warehouse's
and the distinct quarantine rows are computed there by DuckDB, within its memory limit (spilling
beyond it), and handed to dlt again in batches of :data:`BATCH_ROWS`.

The file holds customer rows, so it lives only as long as one system's run: :meth:`WorkDatabase.close`
deletes it, and a file a killed run left is deleted when the next run of the system opens it.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from core.resources import ingest_resources
from core.sql import quote_identifier as quote

BATCH_ROWS = 100_000
"""Rows per Arrow batch read from a landing file and handed to dlt: a few tens of MB at most."""

WORK_FOLDER = "landing_work"
"""Folder under the pipelines folder holding the work databases of running loads."""


def work_database_path(work_dir: Path, system: str) -> Path:
    return Path(work_dir) / f"{system}.duckdb"


def remove_abandoned_work(work_dir: Path) -> list[Path]:
    """Delete the work databases runs killed while extracting left in ``work_dir``; the files deleted.

    Only one process writes the warehouse at a time, so a work database there when a load starts
    is abandoned.
    """
    folder = Path(work_dir)
    found = sorted(folder.glob("*.duckdb*")) if folder.is_dir() else []
    for path in found:
        path.unlink(missing_ok=True)
    return found


def remove_database_file(path: Path) -> None:
    """Delete a DuckDB file and its write-ahead log, if there."""
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


class WorkDatabase:
    """A DuckDB file for one system's run: UTC, input order kept, the ingest memory limit and the
    configured spill folder (:func:`core.resources.ingest_resources`).

    ``path``: where the file goes (one a killed run left there is deleted at once); None makes it
    in a temporary folder of its own, on first use. ``beside``: the warehouse file whose settings
    apply (default: the work file itself, spilling beside it). ``batch_rows``: rows per batch read
    and handed on (default :data:`BATCH_ROWS`).
    """

    def __init__(self, path: Path | None, *, beside: Path | None = None, batch_rows: int | None = None) -> None:
        self._path = Path(path) if path is not None else None
        if self._path is not None:
            remove_database_file(self._path)
        self._own_folder: Path | None = None
        self.beside = Path(beside) if beside is not None else None
        self.batch_rows = batch_rows or BATCH_ROWS
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._closed = False

    @property
    def path(self) -> Path:
        """The database file (a temporary folder is made for it when no path was given)."""
        if self._path is None:
            self._own_folder = Path(tempfile.mkdtemp(prefix="cdw-landing-"))
            self._path = self._own_folder / "work.duckdb"
        return self._path

    def connection(self) -> duckdb.DuckDBPyConnection:
        """The open connection, made on first use; an error once closed (the file is gone)."""
        if self._closed:
            raise RuntimeError("the landing work database was used after it was closed")
        if self._connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            remove_database_file(self.path)
            resources = ingest_resources(self.beside or self.path)
            resources.temp_directory.mkdir(parents=True, exist_ok=True)
            con = duckdb.connect(str(self.path), config=resources.settings())
            con.execute("SET TimeZone = 'UTC'")
            con.execute("SET preserve_insertion_order = true")
            self._connection = con
        return self._connection

    def close(self) -> None:
        """Close the connection and delete the file (it holds customer rows)."""
        self._closed = True
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._path is not None:
            remove_database_file(self._path)
        if self._own_folder is not None:
            shutil.rmtree(self._own_folder, ignore_errors=True)

    # -- writing -----------------------------------------------------------------------------

    def create_table(self, name: str, schema: pa.Schema) -> None:
        """An empty table with the DuckDB types of ``schema`` (Arrow ``null`` columns as text)."""
        self.drop_table(name)
        self._from_arrow(f"CREATE TABLE {quote(name)} AS SELECT * FROM __cdw_rows", without_null_types(schema)
                         .empty_table())

    def append(self, name: str, rows: pa.Table) -> None:
        """Append ``rows`` (in their order) to the table ``name``, columns by name."""
        if rows.num_rows:
            self._from_arrow(f"INSERT INTO {quote(name)} BY NAME SELECT * FROM __cdw_rows",
                             rows.cast(without_null_types(rows.schema)))

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

    def batches(self, sql: str, schema: pa.Schema | None = None) -> Iterator[pa.Table]:
        """The rows of ``sql`` as Arrow tables of at most ``batch_rows`` rows, cast to ``schema``.

        Read through a cursor of its own, so several tables can be streamed at once (dlt takes
        items from its resources in turn) while the main connection goes on working.
        """
        cursor = self.connection().cursor()
        try:
            reader = cursor.sql(sql).to_arrow_reader(self.batch_rows)
            for batch in reader:
                if batch.num_rows:
                    table = pa.Table.from_batches([batch])
                    yield table.cast(schema) if schema is not None else table
        finally:
            cursor.close()


def without_null_types(schema: pa.Schema) -> pa.Schema:
    """Columns of Arrow type ``null`` (every value empty) as text, so they keep a real type."""
    return pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in schema])
