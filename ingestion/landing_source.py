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
from ingestion.contract_check import QUARANTINE_SCHEMA, check_batch, connect_duckdb
from ingestion.errors import LandingFileError

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
class _Processed:
    """A table's new files, checked and reduced; the valid rows are held until its resource yields them."""

    valid: pa.Table | None
    quarantine: pa.Table
    new_files: dict[str, dict[str, Any]]


@dataclass
class _Checked:
    """Per-file results of checking a table's new files, before they are reduced."""

    valid: list[pa.Table] = field(default_factory=list)
    quarantine: list[pa.Table] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    new_files: dict[str, dict[str, Any]] = field(default_factory=dict)


def table_files(system_dir: Path, table_name: str) -> list[Path]:
    """Landing files of one table in delivery order: ``<table>.parquet``, then ``<table>/*.parquet``."""
    files = [system_dir / f"{table_name}.parquet"] if (system_dir / f"{table_name}.parquet").is_file() else []
    folder = system_dir / table_name
    if folder.is_dir():
        files.extend(sorted(p for p in folder.glob("*.parquet") if p.is_file()))
    return files


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_parquet_bytes(path: Path, data: bytes) -> pa.Table:
    """Parse a Parquet file already read into memory; :class:`LandingFileError` when it is not Parquet."""
    try:
        return pq.read_table(pa.BufferReader(data))
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


def combine(parts: list[pa.Table], paths: list[str]) -> pa.Table:
    """Concatenate the valid rows of several files of one table.

    An extra column may be all empty (Arrow type ``null``) in one file and typed in another; the
    typed one wins. Columns still ``null`` afterwards become text, so dlt creates them rather than
    dropping them. Irreconcilable types across files are a broken delivery.
    """
    try:
        combined = pa.concat_tables(parts, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        raise LandingFileError(paths[-1], f"column types differ from earlier files {paths[:-1]} ({error})") from error
    if any(pa.types.is_null(f.type) for f in combined.schema):
        combined = combined.cast(pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type) else f
                                            for f in combined.schema]))
    return combined


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
    dlt runs before ``quarantine``).
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
        self._processed: dict[str, _Processed] = {}
        self._connection: duckdb.DuckDBPyConnection | None = None

    def _duckdb(self) -> duckdb.DuckDBPyConnection:
        """The run's in-memory DuckDB (checks, reduction), opened on first use."""
        if self._connection is None:
            self._connection = connect_duckdb()
        return self._connection

    def close(self) -> None:
        """Release the in-memory DuckDB (called once the last resource is done)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    # -- resources ---------------------------------------------------------------------------

    def table_rows(self, table: Table) -> Iterator[pa.Table]:
        """Body of a table resource: yield the newest valid rows, then remember the files as loaded.

        The file hashes enter the source state only after dlt took the rows, and dlt commits the
        state with the load package: a run that fails loads nothing and remembers nothing.
        """
        processed = self._process(table)
        valid, processed.valid = processed.valid, None  # hand the rows over, keep no reference
        if valid is not None and valid.num_rows:
            yield valid
        seen = dlt.current.source_state().setdefault(STATE_KEY, {}).setdefault(table.name, {})
        seen.update(processed.new_files)

    def quarantine_rows(self) -> Iterator[pa.Table]:
        """Body of the quarantine resource: every table's rejected rows, one row per quarantine id."""
        try:
            parts = [self._process(table).quarantine for table in self.contract.tables]
        finally:
            self.close()
        parts = [p for p in parts if p.num_rows]
        if parts:
            yield pa.concat_tables(parts)

    # -- processing --------------------------------------------------------------------------

    def _process(self, table: Table) -> _Processed:
        """Check and reduce the table's new files, once per run."""
        if table.name not in self._processed:
            con = self._duckdb()
            checked = self._check_new_files(con, table)
            valid = self._newest(con, table, combine(checked.valid, checked.files)) if checked.valid else None
            quarantine = _distinct_quarantine(con, checked.quarantine)
            report = self.report.table(table.name)
            report.rows_landed = valid.num_rows if valid is not None else 0
            report.quarantined = quarantine.num_rows
            report.quarantine_reasons = _count_by(quarantine, "reason")
            self._processed[table.name] = _Processed(valid, quarantine, checked.new_files)
        return self._processed[table.name]

    def _check_new_files(self, con: duckdb.DuckDBPyConnection, table: Table) -> _Checked:
        """Read and check every landing file of the table not loaded before (by content hash)."""
        report = self.report.table(table.name)
        known = {} if self.force else self._known_files(table.name)
        checked = _Checked()
        for seq, path in enumerate(table_files(self.system_dir, table.name)):
            relative = path.relative_to(self.landing_dir).as_posix()
            data = path.read_bytes()
            digest = file_sha256(data)
            if digest in known or digest in checked.new_files:
                report.files_skipped.append(relative)
                continue
            batch = to_landed_names(read_parquet_bytes(path, data), path)
            try:
                result = check_batch(batch, table, source_file=relative, quarantined_at=self.run_at, connection=con)
            except LandingFileError as error:  # name the file by its full path
                raise LandingFileError(path, error.problem) from None
            checked.valid.append(_with_order(result.valid, relative, seq))
            checked.quarantine.append(result.quarantine)
            checked.files.append(relative)
            checked.new_files[digest] = {"file": relative, "rows": batch.num_rows, "loaded_at": self.run_at.isoformat()}
            report.files_loaded.append(relative)
            report.rows_read += batch.num_rows
            report.rows_valid += result.valid.num_rows
            report.extra_columns = sorted(set(report.extra_columns) | set(result.extra_columns))
        return checked

    def _known_files(self, table_name: str) -> dict[str, Any]:
        state = dlt.current.source_state().get(STATE_KEY, {})
        return dict(state.get(table_name, {}))

    def _newest(self, con: duckdb.DuckDBPyConnection, table: Table, incoming: pa.Table) -> pa.Table:
        """One row per primary key: the newest version, and only if the warehouse holds nothing newer."""
        keys = ", ".join(quote(k) for k in table.primary_key)
        order = [f"{_cursor_sql(table, 'c')} DESC NULLS LAST"] if table.cursor else []
        order += [f"{_FILE} DESC", f"{_ROW} DESC"]
        newest = _query(
            con,
            f"SELECT * EXCLUDE ({_FILE}, {_ROW}) FROM __cdw_incoming c "
            f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY {', '.join(order)}) = 1",
            __cdw_incoming=incoming,
        )
        if table.cursor:
            newest = self._drop_stale(con, table, newest)
        schema = pa.schema([f.with_nullable(False) if f.name in table.primary_key else f for f in newest.schema])
        return newest.cast(schema)

    def _drop_stale(self, con: duckdb.DuckDBPyConnection, table: Table, newest: pa.Table) -> pa.Table:
        """Drop incoming rows whose key the warehouse already holds with a later cursor."""
        try:
            existing = self._attach_existing(con, table)
            if existing is None:
                return newest
            match = " AND ".join(f"e.{quote(k)} = n.{quote(k)}" for k in table.primary_key)
            kept = _query(
                con,
                f"SELECT n.* FROM __cdw_newest n WHERE NOT EXISTS (SELECT 1 FROM {existing} e "
                f"WHERE {match} AND {_cursor_sql(table, 'e')} > {_cursor_sql(table, 'n')})",
                __cdw_newest=newest,
            )
        finally:
            con.execute("DETACH DATABASE IF EXISTS __cdw_wh")
        self.report.table(table.name).rows_stale = newest.num_rows - kept.num_rows
        return kept

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


def _with_order(valid: pa.Table, relative: str, seq: int) -> pa.Table:
    """Add the landing metadata column and the (file, row) order used to break cursor ties."""
    n = valid.num_rows
    return (valid.append_column(SOURCE_FILE_COLUMN, pa.repeat(relative, n))
            .append_column(_FILE, pa.repeat(pa.scalar(seq, pa.int32()), n))
            .append_column(_ROW, pa.array(np.arange(n, dtype=np.int64))))


def _cursor_sql(table: Table, alias: str) -> str:
    """The cursor as an orderable value: timestamps parsed (offsets honoured), else as landed."""
    column = f"{alias}.{quote(table.cursor)}"
    if table.column(table.cursor).format == "timestamp":
        return f"TRY_CAST(trim({column}) AS TIMESTAMPTZ)"
    return column


def _query(con: duckdb.DuckDBPyConnection, sql: str, **tables: pa.Table) -> pa.Table:
    """Run ``sql`` with Arrow tables registered under the given names; the result as Arrow."""
    for name, arrow in tables.items():
        con.register(name, arrow)
    try:
        return con.sql(sql).to_arrow_table()
    finally:
        for name in tables:
            con.unregister(name)


def _distinct_quarantine(con: duckdb.DuckDBPyConnection, parts: list[pa.Table]) -> pa.Table:
    """Concatenate quarantine rows, keeping the last delivery of each quarantine_id."""
    parts = [p for p in parts if p.num_rows]
    if not parts:
        return QUARANTINE_SCHEMA.empty_table()
    combined = pa.concat_tables(parts)
    combined = combined.append_column("__n", pa.array(np.arange(combined.num_rows, dtype=np.int64)))
    out = _query(
        con,
        "SELECT * EXCLUDE (__n) FROM __cdw_quarantine "
        "QUALIFY row_number() OVER (PARTITION BY quarantine_id ORDER BY __n DESC) = 1 ORDER BY __n",
        __cdw_quarantine=combined,
    )
    return out.cast(QUARANTINE_SCHEMA)


def _count_by(table: pa.Table, column: str) -> dict[str, int]:
    counts = table.group_by(column).aggregate([([], "count_all")])
    return dict(zip(counts[column].to_pylist(), counts["count_all"].to_pylist(), strict=True))


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
    reader = LandingReader(contract, landing_dir, force=force, warehouse=warehouse, run_at=run_at,
                           report=report)
    return landing.with_args(name=contract.system)(reader)
