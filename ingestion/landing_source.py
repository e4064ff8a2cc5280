"""dlt source over a system's landing folder: Parquet export files -> ``raw_<system>`` tables.

Layout read (one system)::

    <landing>/<system>/<table>.parquet          one file per contract table, and/or
    <landing>/<system>/<table>/<any>.parquet    later drops for the same table (name order = delivery order)

Columns carry the vendor's own field names; they are renamed with dlt's ``snake_case`` naming
convention to the landed names of the contract. Each new file is checked against the contract
(:mod:`ingestion.contract_check`): valid rows go to ``raw_<system>.<table>``, rows that break a
rule go to ``raw_<system>.quarantine``.

Why it is built this way:

- **Newest version wins.** Tables merge with ``delete-insert`` on the contract's primary key, with
  the contract cursor as ``dedup_sort: desc``. Because dlt would sort the cursor as *text*, and
  vendors mix ``Z`` and UTC offsets, rows are also reduced to the newest version per key here,
  ordering by the cursor parsed as a timestamp (ties: later file, then later row). When the
  warehouse already holds a *newer* version of a key, the incoming older one is dropped
  (``rows_stale``) instead of overwriting it.
- **Each file once.** The sha256 of every file loaded is kept in the dlt source state (stored in
  the warehouse with each load), so a file seen before is neither read nor checked again;
  ``force=True`` reprocesses everything, and the merge keys keep that free of duplicates.
- **Memory bounded, whatever the files' size.** A file is read and checked in Arrow batches; the
  checked rows wait in a DuckDB work database (:mod:`ingestion.landing_work`: its own memory
  limit, spilling to disk beyond it), where the newest version per key, the stale rows and the
  distinct quarantine rows are computed; dlt receives the rows in batches again. Python never
  holds a whole table.
- **Schema contract on purpose.** ``tables: evolve`` (the resources declare every table),
  ``columns: evolve`` (a vendor's new field is kept, and reported, rather than failing the load),
  ``data_type: freeze`` (contract columns are cast to their landed types before dlt sees them, so a
  type change can only mean a broken delivery: stop instead of creating variant columns).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dlt
import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from dlt.common.normalizers.naming.snake_case import NamingConvention
from dlt.common.schema.typing import TColumnSchema, TSchemaContractDict
from dlt.extract import DltResource, DltSource

from core.contracts import SystemContract, Table
from core.sql import literal
from core.sql import quote_identifier as quote
from ingestion.contract_check import (
    PAYLOAD_COLUMN,
    QUARANTINE_SCHEMA,
    REASON_COLUMN,
    CheckResult,
    check_batch,
    check_into,
    quarantine_sql,
)
from ingestion.errors import LandingFileError
from ingestion.landing_work import PageSql, WorkDatabase, without_null_types

SOURCE_FILE_COLUMN = "_cdw_source_file"
LOADED_AT_COLUMN = "_cdw_loaded_at"
QUARANTINE_TABLE = "quarantine"
STATE_KEY = "landing_files"
"""Source-state key: ``{table: {sha256: {"file", "rows", "loaded_at"}}}``."""

SCHEMA_CONTRACT: TSchemaContractDict = {"tables": "evolve", "columns": "evolve", "data_type": "freeze"}
MERGE = {"disposition": "merge", "strategy": "delete-insert"}
DLT_TYPES = {"text": "text", "bigint": "bigint", "double": "double", "boolean": "bool"}

_FILE = "__cdw_file"
_ROW = "__cdw_row"
_N = "__cdw_n"
_VALID = f"{quote(REASON_COLUMN)} = ''"
"""A work table's valid rows (:func:`ingestion.contract_check.check_into` writes rejected ones too)."""
_QUARANTINE = quote(QUARANTINE_TABLE)
_DISTINCT_QUARANTINE = quote(f"{QUARANTINE_TABLE}_distinct")
_NAMING = NamingConvention()


@dataclass
class TableReport:
    """What one run did with one contract table (filled while dlt extracts)."""

    files_loaded: list[str] = field(default_factory=list)
    files_skipped: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_valid: int = 0
    rows_landed: int = 0
    rows_stale: int = 0
    quarantined: int = 0
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    extra_columns: list[str] = field(default_factory=list)

    @property
    def rows_superseded(self) -> int:
        """Valid rows not landed because a newer (or identical) version of the key was in the run."""
        return self.rows_valid - self.rows_landed - self.rows_stale


@dataclass
class SourceReport:
    """Per-table reports of one system's run."""

    system: str
    tables: dict[str, TableReport] = field(default_factory=dict)

    def table(self, name: str) -> TableReport:
        return self.tables.setdefault(name, TableReport())


@dataclass
class _FilePart:
    """One new landing file's valid rows, in a work table (with their landing columns and row order)."""

    work_table: str
    schema: pa.Schema
    """Arrow schema of the checked rows (an all-empty column still of type ``null``), to combine files."""
    relative: str
    rows: int = 0
    """Valid rows in the work table."""
    end: int = 0
    """Rows in the work table, valid or not: its row numbers are ``[0, end)``."""


@dataclass
class _Processed:
    """A table's new files, checked and reduced; the rows to land wait in work tables for its resource."""

    pages: list[tuple[PageSql, int]]
    """Per file with rows to land: the SQL of a page of them (all files in one shape), and the end
    of its row numbers."""
    schema: pa.Schema | None
    """Arrow schema the rows are handed to dlt in (primary key columns not nullable)."""
    work_tables: list[str]
    """The table's work tables, dropped once its rows are handed over."""
    new_files: dict[str, dict[str, Any]]


@dataclass
class _Checked:
    """What checking a table's new files left: one work table per file, and the files' hashes."""

    parts: list[_FilePart] = field(default_factory=list)
    new_files: dict[str, dict[str, Any]] = field(default_factory=dict)


def table_files(system_dir: Path, table_name: str) -> list[Path]:
    """Landing files of one table in delivery order: ``<table>.parquet``, then ``<table>/*.parquet``."""
    files = [system_dir / f"{table_name}.parquet"] if (system_dir / f"{table_name}.parquet").is_file() else []
    folder = system_dir / table_name
    if folder.is_dir():
        files.extend(sorted(p for p in folder.glob("*.parquet") if p.is_file()))
    return files


def file_sha256(path: Path) -> str:
    """sha256 of the file's bytes, read in chunks (a landing file may be larger than memory)."""
    with Path(path).open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def open_parquet(path: Path) -> pq.ParquetFile:
    """Open a Parquet file for reading in batches; :class:`LandingFileError` when it is not Parquet."""
    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError, ValueError) as error:
        raise LandingFileError(path, f"not a readable Parquet file ({error})") from error


def parquet_batches(path: Path, parquet: pq.ParquetFile, rows: int) -> Iterator[pa.Table]:
    """The file's rows in order, ``rows`` at a time; a damaged file is a :class:`LandingFileError`."""
    try:
        for batch in parquet.iter_batches(batch_size=rows):
            yield pa.Table.from_batches([batch])
    except (pa.ArrowException, OSError, ValueError) as error:
        raise LandingFileError(path, f"not a readable Parquet file ({error})") from error


def flatten_structs(batch: pa.Table) -> pa.Table:
    """Nested objects (Parquet structs) become ``parent__child`` columns, as dlt does for JSON."""
    if not any(pa.types.is_struct(f.type) for f in batch.schema):
        return batch
    names: list[str] = []
    arrays: list[pa.ChunkedArray] = []

    def add(name: str, values: pa.ChunkedArray) -> None:
        if pa.types.is_struct(values.type):
            for index, child in enumerate(values.type):
                add(f"{name}__{child.name}", pc.struct_field(values, [index]))
        else:
            names.append(name)
            arrays.append(values)

    for name, values in zip(batch.column_names, batch.columns, strict=True):
        add(name, values)
    return pa.Table.from_arrays(arrays, names=names)


def to_landed_names(batch: pa.Table, path: Path) -> pa.Table:
    """Rename vendor field names to landed names (dlt snake_case, ``__`` keeps nesting).

    Two vendor fields that land under one name would silently overwrite each other, so that is
    a broken file.
    """
    batch = flatten_structs(batch)
    names = [_NAMING.normalize_path(name) for name in batch.column_names]
    seen: dict[str, str] = {}
    for original, landed in zip(batch.column_names, names, strict=True):
        if landed in seen:
            raise LandingFileError(path, f"columns {seen[landed]!r} and {original!r} both land as {landed!r}")
        seen[landed] = original
    return batch.rename_columns(names)


def combined_schema(parts: list[_FilePart]) -> pa.Schema:
    """The schema the valid rows of several files of one table share.

    An extra column may be all empty (Arrow type ``null``) in one file and typed in another; the
    typed one wins (Arrow's permissive promotion, as concatenating the files would). Columns still
    ``null`` afterwards become text, so dlt creates them rather than dropping them. Irreconcilable
    types across files are a broken delivery.
    """
    try:
        unified = pa.unify_schemas([p.schema for p in parts], promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        paths = [p.relative for p in parts]
        raise LandingFileError(paths[-1], f"column types differ from earlier files {paths[:-1]} ({error})") from error
    return without_null_types(unified)


def column_hints(table: Table) -> dict[str, TColumnSchema]:
    """dlt column hints from the contract: landed types, not-null keys, the cursor as dedup_sort."""
    keys = set(table.primary_key)
    hints: dict[str, TColumnSchema] = {
        c.name: {"data_type": DLT_TYPES[c.type], "nullable": c.name not in keys} for c in table.columns  # type: ignore[misc]
    }
    if table.cursor:
        hints[table.cursor]["dedup_sort"] = "desc"
    hints[SOURCE_FILE_COLUMN] = {"data_type": "text", "nullable": True}
    hints[LOADED_AT_COLUMN] = {"data_type": "timestamp", "timezone": True, "nullable": True}
    return hints


QUARANTINE_HINTS: dict[str, TColumnSchema] = {
    "quarantine_id": {"data_type": "text", "nullable": False},
    "system": {"data_type": "text", "nullable": True},
    "table_name": {"data_type": "text", "nullable": True},
    "reason": {"data_type": "text", "nullable": True},
    "payload": {"data_type": "text", "nullable": True},
    "source_file": {"data_type": "text", "nullable": True},
    "quarantined_at": {"data_type": "timestamp", "timezone": True, "nullable": True},
}
"""Every column says whether it is nullable: a table created empty (``ingestion.raw_tables``) then has
exactly the schema a first real load would have created, which dlt's frozen data types accept."""


class LandingReader:
    """Reads, checks and reduces one system's new landing files for one run.

    Shared by the table resources and the quarantine resource of the source: each table is
    processed once, by whichever resource asks first (normally the table's own resource, which
    dlt runs before ``quarantine``). The rows wait in a DuckDB work database that spills to disk
    beyond its limit (:mod:`ingestion.landing_work`), never whole in Python; :meth:`close` drops it.
    """

    def __init__(
        self,
        contract: SystemContract,
        landing_dir: Path,
        *,
        force: bool = False,
        warehouse: Path | None = None,
        run_at: datetime | None = None,
        report: SourceReport | None = None,
    ) -> None:
        self.contract = contract
        self.system_dir = Path(landing_dir) / contract.system
        self.landing_dir = Path(landing_dir)
        self.force = force
        self.warehouse = Path(warehouse) if warehouse else None
        self.run_at = run_at or datetime.now(UTC)
        self.report = report or SourceReport(contract.system)
        self.work = WorkDatabase(self.warehouse)
        self._processed: dict[str, _Processed] = {}
        self._quarantined = -1
        """Quarantine rows written so far (-1: the quarantine work table does not exist yet)."""
        self._resources = {t.name for t in contract.tables} | {QUARANTINE_TABLE}
        self._finished: set[str] = set()

    def close(self) -> None:
        """Delete the work database (done once every resource finished, and by the loader in any case)."""
        self.work.close()

    def _finish(self, resource: str) -> None:
        """Note a resource done with the work database; the last one closes it.

        dlt takes items from its resources in turn, so the quarantine resource may finish while a
        large table is still being handed over.
        """
        self._finished.add(resource)
        if self._finished >= self._resources:
            self.close()

    # -- resources ---------------------------------------------------------------------------

    def table_rows(self, table: Table) -> Iterator[pa.Table]:
        """Body of a table resource: yield the newest valid rows in batches, then remember the files as loaded.

        The file hashes enter the source state only after dlt took the rows, and dlt commits the
        state with the load package: a run that fails loads nothing and remembers nothing.
        """
        try:
            processed = self._process(table)
            for page_sql, end in processed.pages:
                yield from self.work.pages(page_sql, end, processed.schema)
            for name in processed.work_tables:
                self.work.drop_table(name)
            seen = dlt.current.source_state().setdefault(STATE_KEY, {}).setdefault(table.name, {})
            seen.update(processed.new_files)
        finally:
            self._finish(table.name)

    def quarantine_rows(self) -> Iterator[pa.Table]:
        """Body of the quarantine resource: every table's rejected rows, one row per quarantine id."""
        try:
            for table in self.contract.tables:
                self._process(table)
            if self._quarantined > 0:
                self.work.connection().execute(
                    f"CREATE OR REPLACE TABLE {_DISTINCT_QUARANTINE} AS SELECT * FROM {_QUARANTINE} "
                    f"QUALIFY row_number() OVER (PARTITION BY quarantine_id ORDER BY {_N} DESC) = 1 ORDER BY {_N}")
                yield from self.work.pages(
                    lambda first, end: f"SELECT * EXCLUDE ({_N}) FROM {_DISTINCT_QUARANTINE} "
                                       f"WHERE {_N} >= {first} AND {_N} < {end}",
                    self._quarantined, QUARANTINE_SCHEMA)
        finally:
            self._finish(QUARANTINE_TABLE)

    # -- processing --------------------------------------------------------------------------

    def _process(self, table: Table) -> _Processed:
        """Check and reduce the table's new files, once per run."""
        if table.name not in self._processed:
            checked = self._check_new_files(table)
            processed = self._reduce(table, checked.parts) if checked.parts else _Processed([], None, [], {})
            processed.new_files = checked.new_files
            report = self.report.table(table.name)
            report.quarantine_reasons = self._quarantine_reasons(table)
            report.quarantined = sum(report.quarantine_reasons.values())
            self._processed[table.name] = processed
        return self._processed[table.name]

    def _check_new_files(self, table: Table) -> _Checked:
        """Read and check every landing file of the table not loaded before (by content hash)."""
        report = self.report.table(table.name)
        known = {} if self.force else self._known_files(table.name)
        checked = _Checked()
        for seq, path in enumerate(table_files(self.system_dir, table.name)):
            relative = path.relative_to(self.landing_dir).as_posix()
            digest = file_sha256(path)
            if digest in known or digest in checked.new_files:
                report.files_skipped.append(relative)
                continue
            part, rows = self._check_file(table, path, relative, f"valid_{table.name}_{seq}")
            checked.parts.append(part)
            checked.new_files[digest] = {"file": relative, "rows": rows, "loaded_at": self.run_at.isoformat()}
            report.files_loaded.append(relative)
        return checked

    def _check_file(self, table: Table, path: Path, relative: str, work_table: str) -> tuple[_FilePart, int]:
        """Check one file batch by batch into its own work table; its rejected rows then go to quarantine.

        Its columns are checked on the file's schema first, so a broken file (a required column
        missing, two columns landing as one) fails before any row is read, even an empty file.
        Every row is written once, checked, with its reason (empty when valid): the valid rows
        are read from there, and the rejected ones become quarantine rows in one statement.
        """
        report = self.report.table(table.name)
        self._ensure_quarantine_table()
        parquet = open_parquet(path)
        header = self._check(table, to_landed_names(parquet.schema_arrow.empty_table(), path), relative, path)
        part = _FilePart(work_table, _with_order(header.valid, relative, 0).schema, relative)
        self.work.create_table(work_table, part.schema.append(pa.field(REASON_COLUMN, pa.string()))
                               .append(pa.field(PAYLOAD_COLUMN, pa.string())))
        report.extra_columns = sorted(set(report.extra_columns) | set(header.extra_columns))
        con = self.work.connection()
        rows = 0
        for batch in parquet_batches(path, parquet, self.work.batch_rows):
            landed = _with_order(to_landed_names(batch, path), relative, rows)
            check_into(con, landed.cast(without_null_types(landed.schema)), table, work_table,
                       carried=(SOURCE_FILE_COLUMN, _ROW))
            rows += batch.num_rows
        part.end = rows
        part.rows = con.execute(f"SELECT count(*) FROM {quote(work_table)} "
                                f"WHERE {_VALID}").fetchall()[0][0]
        self._append_quarantine(quarantine_sql(table, quote(work_table), relative, _ROW))
        report.rows_read += rows
        report.rows_valid += part.rows
        return part, rows

    def _check(self, table: Table, batch: pa.Table, relative: str, path: Path) -> CheckResult:
        try:
            return check_batch(batch, table, source_file=relative, quarantined_at=self.run_at,
                               connection=self.work.connection())
        except LandingFileError as error:  # name the file by its full path
            raise LandingFileError(path, error.problem) from None

    def _known_files(self, table_name: str) -> dict[str, Any]:
        state = dlt.current.source_state().get(STATE_KEY, {})
        return dict(state.get(table_name, {}))

    def _ensure_quarantine_table(self) -> None:
        if self._quarantined < 0:
            self.work.create_table(QUARANTINE_TABLE, QUARANTINE_SCHEMA.append(pa.field(_N, pa.int64())))
            self._quarantined = 0

    def _append_quarantine(self, rows_sql: str) -> None:
        """Add the quarantine rows of ``rows_sql``, numbered in delivery order after the rows already
        there (the last delivery of a row wins)."""
        added = self.work.connection().execute(
            f"INSERT INTO {_QUARANTINE} BY NAME SELECT * EXCLUDE (delivery), {self._quarantined} + delivery - 1 "
            f"AS {_N} FROM ({rows_sql})", {"stamp": self.run_at}).fetchall()[0][0]
        self._quarantined += added

    def _quarantine_reasons(self, table: Table) -> dict[str, int]:
        """Distinct quarantine rows of the table (one per quarantine id) per reason."""
        if self._quarantined <= 0:
            return {}
        return dict(self.work.connection().execute(
            f"SELECT reason, count(*) FROM (SELECT reason FROM {_QUARANTINE} WHERE table_name = ? "
            f"QUALIFY row_number() OVER (PARTITION BY quarantine_id ORDER BY {_N} DESC) = 1) GROUP BY reason",
            [table.name]).fetchall())

    def _reduce(self, table: Table, parts: list[_FilePart]) -> _Processed:
        """One row per primary key: the newest version, and only if the warehouse holds nothing newer.

        Ranked on the keys, cursor and order alone (a narrow work table of the winning rows), so the
        wide rows are written once and read once more, when they are handed to dlt.
        """
        ranked = f"newest_{table.name}"
        keys = ", ".join(quote(k) for k in table.primary_key)
        narrow = ", ".join(quote(c) for c in dict.fromkeys([*table.primary_key, *filter(None, [table.cursor])]))
        order = [f"{_cursor_sql(table, 'c')} DESC NULLS LAST"] if table.cursor else []
        order += [f"{_FILE} DESC", f"{_ROW} DESC"]
        incoming = " UNION ALL ".join(f"SELECT {narrow}, {_ROW}, {number} AS {_FILE} FROM {quote(part.work_table)} "
                                      f"WHERE {_VALID}" for number, part in enumerate(parts))
        con = self.work.connection()
        con.execute(f"CREATE OR REPLACE TABLE {quote(ranked)} AS SELECT * FROM ({incoming}) c "
                    f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY {', '.join(order)}) = 1")
        if table.cursor:
            self._drop_stale(table, ranked)
        kept = dict(con.execute(f"SELECT {_FILE}, count(*) FROM {quote(ranked)} GROUP BY ALL").fetchall())
        self.report.table(table.name).rows_landed = sum(kept.values())
        winners = self._winners(table, ranked, [n for n, part in enumerate(parts) if 0 < kept.get(n, 0) < part.rows])
        pages = self._landing_pages(parts, winners, kept)
        schema = self.work.query_schema(pages[0][0](0, 0)) if pages else None
        if schema is not None:
            schema = pa.schema([f.with_nullable(False) if f.name in table.primary_key else f for f in schema])
        return _Processed(pages, schema, [*(p.work_table for p in parts), ranked, winners], {})

    def _winners(self, table: Table, ranked: str, files: list[int]) -> str:
        """A work table of the (file, row) numbers of the rows to land from ``files`` (those that land
        some of their valid rows, not all), sorted, so a page finds its own in a few row groups."""
        winners = f"winners_{table.name}"
        chosen = ", ".join(str(n) for n in files) or "NULL"
        self.work.connection().execute(
            f"CREATE OR REPLACE TABLE {quote(winners)} AS SELECT {_FILE}, {_ROW} FROM {quote(ranked)} "
            f"WHERE {_FILE} IN ({chosen}) ORDER BY {_FILE}, {_ROW}")
        return winners

    def _landing_pages(self, parts: list[_FilePart], winners: str,
                       kept: dict[int, int]) -> list[tuple[PageSql, int]]:
        """Per file with rows to land, its pages: in the shape all the files share
        (:func:`combined_schema`), the rows of a range of its row numbers, only those in ``winners``
        unless every valid row of the file wins."""
        schema = combined_schema(parts)
        types = self.work.duckdb_types(schema)
        pages: list[tuple[PageSql, int]] = []
        for number, part in enumerate(parts):
            if not kept.get(number):
                continue
            present = set(part.schema.names)
            columns = ", ".join(f"CAST({quote(f.name) if f.name in present else 'NULL'} AS {types[f.name]}) "
                                f"AS {quote(f.name)}" for f in schema if f.name != _ROW)
            pages.append((_page_sql(columns, part.work_table, winners if kept[number] < part.rows else None, number),
                          part.end))
        return pages

    def _drop_stale(self, table: Table, name: str) -> None:
        """Delete from the work table ``name`` the rows whose key the warehouse already holds with a later cursor."""
        con = self.work.connection()
        try:
            existing = self._attach_existing(con, table)
            if existing is None:
                return
            match = " AND ".join(f"e.{quote(k)} = n.{quote(k)}" for k in table.primary_key)
            deleted = con.execute(
                f"DELETE FROM {quote(name)} AS n WHERE EXISTS (SELECT 1 FROM {existing} e "
                f"WHERE {match} AND {_cursor_sql(table, 'e')} > {_cursor_sql(table, 'n')})").fetchall()[0][0]
        finally:
            con.execute("DETACH DATABASE IF EXISTS __cdw_wh")
        self.report.table(table.name).rows_stale = deleted

    def _attach_existing(self, con: duckdb.DuckDBPyConnection, table: Table) -> str | None:
        """Attach the warehouse read-only; the qualified name of the landed table if it exists."""
        if self.warehouse is None or not self.warehouse.is_file():
            return None
        con.execute(f"ATTACH {literal(str(self.warehouse))} AS __cdw_wh (READ_ONLY)")
        found = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = '__cdw_wh' "
            "AND schema_name = ? AND table_name = ?", [table.schema, table.name]
        ).fetchall()[0][0]
        return f"__cdw_wh.{quote(table.schema)}.{quote(table.name)}" if found else None


def _page_sql(columns: str, work_table: str, winners: str | None, number: int) -> PageSql:
    """The page query of one file's rows to land: ``columns`` of ``work_table`` for a range of row
    numbers, only the rows among ``winners`` (of file ``number``) when given."""
    def page(first: int, end: int) -> str:
        rows = f"{_ROW} >= {first} AND {_ROW} < {end}"
        sql = f"SELECT {columns} FROM {quote(work_table)} WHERE {rows} AND {_VALID}"
        if winners is None:
            return sql
        return f"{sql} AND {_ROW} IN (SELECT {_ROW} FROM {quote(winners)} WHERE {_FILE} = {number} AND {rows})"

    return page


def _with_order(valid: pa.Table, relative: str, first_row: int) -> pa.Table:
    """Add the landing metadata column and the row order (within the file) used to break cursor ties."""
    n = valid.num_rows
    return (valid.append_column(SOURCE_FILE_COLUMN, pa.repeat(relative, n))
            .append_column(_ROW, pa.array(np.arange(first_row, first_row + n, dtype=np.int64))))


def _cursor_sql(table: Table, alias: str) -> str:
    """The cursor as an orderable value: timestamps parsed (offsets honoured), else as landed."""
    column = f"{alias}.{quote(table.cursor)}"
    if table.column(table.cursor).format == "timestamp":
        return f"TRY_CAST(trim({column}) AS TIMESTAMPTZ)"
    return column


def with_landed_at(rows: pa.Table, run_at: datetime) -> pa.Table:
    """Add ``_cdw_loaded_at`` (the run's start, UTC) to rows about to land."""
    return rows.append_column(LOADED_AT_COLUMN, pa.repeat(pa.scalar(run_at, pa.timestamp("us", tz="UTC")),
                                                          rows.num_rows))


def _table_resource(reader: LandingReader, table: Table) -> DltResource:
    def rows() -> Iterator[pa.Table]:
        for item in reader.table_rows(table):
            yield with_landed_at(item, reader.run_at)

    return dlt.resource(
        rows,
        name=table.name,
        write_disposition=MERGE,
        primary_key=list(table.primary_key),
        columns=column_hints(table),
        schema_contract=SCHEMA_CONTRACT,
    )


def _quarantine_resource(reader: LandingReader) -> DltResource:
    def rows() -> Iterator[pa.Table]:
        yield from reader.quarantine_rows()

    return dlt.resource(
        rows,
        name=QUARANTINE_TABLE,
        write_disposition=MERGE,
        primary_key="quarantine_id",
        columns=QUARANTINE_HINTS,
        schema_contract=SCHEMA_CONTRACT,
    )


@dlt.source(schema_contract=SCHEMA_CONTRACT, max_table_nesting=0)
def landing(reader: LandingReader) -> list[DltResource]:
    """One resource per contract table (named as the table), then ``quarantine``."""
    names = [t.name for t in reader.contract.tables]
    if QUARANTINE_TABLE in names:
        raise ValueError(f"{reader.contract.system}: a contract table may not be called {QUARANTINE_TABLE!r}")
    return [*(_table_resource(reader, t) for t in reader.contract.tables), _quarantine_resource(reader)]


def landing_source(
    contract: SystemContract,
    landing_dir: Path,
    *,
    force: bool = False,
    warehouse: Path | None = None,
    run_at: datetime | None = None,
    report: SourceReport | None = None,
) -> DltSource:
    """The dlt source of one system's landing folder (source and schema named after the system).

    ``warehouse``: the DuckDB file the pipeline loads into; when given, rows older than what it
    already holds for the same key are not landed. ``report`` is filled during extraction.
    """
    return reader_source(LandingReader(contract, landing_dir, force=force, warehouse=warehouse, run_at=run_at,
                                       report=report))


def reader_source(reader: LandingReader) -> DltSource:
    """The dlt source over ``reader`` (whose owner closes it should the run fail before the quarantine)."""
    return landing.with_args(name=reader.contract.system)(reader)
