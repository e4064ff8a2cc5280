"""Check a batch of landed rows against its raw landing contract, set-based.

One SQL statement (DuckDB over the Arrow batch, no Python loop over rows) casts every contract
column to its landed type and evaluates every rule of ``ingestion/contracts/*.yml`` for every
row. Rows that break no rule are returned typed and otherwise untouched (values land exactly as
the vendor sent them; staging normalises). Rows that break at least one rule are returned as
quarantine rows carrying all the reasons and the original row as canonical JSON, so a person can
see what was wrong and the same bad row delivered twice is recognised as one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from core.contracts import Column, Table
from core.identifiers import email_sql
from core.sql import literal
from core.sql import quote_identifier as quote
from ingestion.errors import LandingFileError

# landed contract type -> Arrow type / DuckDB type
ARROW_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
}
DUCKDB_TYPES: dict[str, str] = {"text": "VARCHAR", "bigint": "BIGINT", "double": "DOUBLE", "boolean": "BOOLEAN"}

# RE2 patterns, matched against the trimmed value with regexp_full_match. E-mail addresses follow
# the warehouse's one e-mail rule (core.identifiers.email_sql).
TIMESTAMP_PATTERN = r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?"
"""ISO 8601 extended format: a date, optionally a time, optionally ``Z`` or a UTC offset."""
DECIMAL_PATTERN = r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?"
INTEGER_PATTERN = r"[+-]?\d+"

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("quarantine_id", pa.string(), nullable=False),
        pa.field("system", pa.string()),
        pa.field("table_name", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("payload", pa.string()),
        pa.field("source_file", pa.string()),
        pa.field("quarantined_at", pa.timestamp("us", tz="UTC")),
    ]
)
"""Columns of ``raw_<system>.quarantine``."""

REASON_COLUMN = "__cdw_reason"
"""Column of :func:`check_into`'s rows: every broken rule, ``; ``-separated; empty for a valid row."""
PAYLOAD_COLUMN = "__cdw_payload"
"""Column of :func:`check_into`'s rows: a rejected row as canonical JSON (NULL for a valid row)."""
_REASON = REASON_COLUMN
_PAYLOAD = PAYLOAD_COLUMN
_BATCH = "__cdw_batch"


@dataclass(frozen=True)
class CheckResult:
    """Outcome of checking one batch.

    ``valid`` holds every contract column (in contract order, cast to its landed type; absent
    optional columns as nulls) followed by the batch's extra columns, in input row order.
    ``quarantine`` follows :data:`QUARANTINE_SCHEMA`, one row per rejected input row.
    """

    valid: pa.Table
    quarantine: pa.Table
    extra_columns: tuple[str, ...]
    absent_columns: tuple[str, ...]


def connect_duckdb() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for checks: UTC (naive timestamps read as UTC), input row order kept."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET preserve_insertion_order = true")
    return con


@contextmanager
def duckdb_session(connection: duckdb.DuckDBPyConnection | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """``connection`` if given (left open: a caller checking many batches pays the start-up once;
    it should come from :func:`connect_duckdb`), else a fresh one from it, closed afterwards."""
    if connection is not None:
        yield connection
        return
    con = connect_duckdb()
    try:
        yield con
    finally:
        con.close()


def check_batch(
    batch: pa.Table,
    table: Table,
    *,
    source_file: str,
    quarantined_at: datetime | None = None,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> CheckResult:
    """Split ``batch`` (columns already renamed to landed names) into valid and quarantine rows.

    Raises :class:`LandingFileError` naming ``source_file`` when a column the contract requires is
    not in the batch at all: that is a broken file, not a dirty row.
    """
    missing = [c.name for c in table.columns if c.required and c.name not in batch.column_names]
    if missing:
        raise LandingFileError(
            source_file,
            f"required column(s) {', '.join(missing)} of {table.qualified_name} missing from the file",
        )
    extras = _extra_columns(batch, table)
    absent = tuple(c.name for c in table.columns if c.name not in batch.column_names)
    stamp = quarantined_at or datetime.now(UTC)

    with duckdb_session(connection) as con:
        checked = _run(con, _check_sql(batch.schema, table, extras), batch)
        is_valid = pc.equal(checked[_REASON], "")
        valid = checked.filter(is_valid).select([*table.column_names, *extras])
        rejected = checked.filter(pc.invert(is_valid)).select([_REASON, _PAYLOAD])
        quarantine = _quarantine_rows(con, rejected, table, source_file, stamp)
    return CheckResult(
        valid=valid.cast(_valid_schema(valid.schema, table)),
        quarantine=quarantine,
        extra_columns=extras,
        absent_columns=absent,
    )


def check_into(
    con: duckdb.DuckDBPyConnection,
    batch: pa.Table,
    table: Table,
    target: str,
    carried: tuple[str, ...] = (),
) -> int:
    """Check ``batch`` as :func:`check_batch` does, but append every row, checked, to the table
    ``target`` of ``con`` (by name): the contract columns typed, the extras, the ``carried`` columns
    as they are, and :data:`REASON_COLUMN` (empty for a valid row) with :data:`PAYLOAD_COLUMN` (the
    original row as canonical JSON, for a rejected one). Returns the rows appended.

    One statement, no Arrow round trip: for the landing reader, whose work database is ``con``.
    :func:`quarantine_sql` turns the rejected rows into quarantine rows afterwards. The caller
    checks the required columns first (:func:`check_batch` on the file's empty schema does).
    """
    extras = _extra_columns(batch, table, carried)
    sql = _check_sql(batch.schema, table, extras, carried)
    con.register(_BATCH, batch)
    try:
        return int(con.execute(f"INSERT INTO {quote(target)} BY NAME SELECT * FROM ({sql})").fetchall()[0][0])
    finally:
        con.unregister(_BATCH)


def quarantine_sql(table: Table, source: str, source_file: str, order: str) -> str:
    """The rejected rows of ``source`` (written by :func:`check_into`) as quarantine rows: the columns
    of :data:`QUARANTINE_SCHEMA` (``$stamp`` as their time) and ``delivery``, their place (from 1)
    in the order of the SQL ``order``."""
    return (f"SELECT {_quarantine_columns(table, source_file)}, row_number() OVER (ORDER BY {order}) AS delivery "
            f"FROM {source} WHERE {_REASON} <> ''")


def _quarantine_columns(table: Table, source_file: str) -> str:
    """The columns of :data:`QUARANTINE_SCHEMA` over checked rows (reason and payload computed),
    ``$stamp`` as their time.

    The id hashes system, table and the canonical payload only, so the same bad row delivered
    again (in this file or any other) gets the same id and merges into one quarantine row.
    """
    prefix = f"{table.system}|{table.name}|"
    return (
        f"sha256({literal(prefix)} || {_PAYLOAD}) AS quarantine_id, "
        f"{literal(table.system)} AS system, {literal(table.name)} AS table_name, "
        f"{_REASON} AS reason, {_PAYLOAD} AS payload, {literal(source_file)} AS source_file, "
        f"CAST($stamp AS TIMESTAMPTZ) AS quarantined_at"
    )


def _run(con: duckdb.DuckDBPyConnection, sql: str, batch: pa.Table, **params: object) -> pa.Table:
    """Run ``sql`` over ``batch`` (registered as the batch view); the result as Arrow."""
    con.register(_BATCH, batch)
    try:
        return con.sql(sql, params=params or None).to_arrow_table()
    finally:
        con.unregister(_BATCH)


def _extra_columns(batch: pa.Table, table: Table, carried: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The batch's columns the contract does not name (kept as they are), ``carried`` left out."""
    contract_names = set(table.column_names)
    return tuple(n for n in batch.column_names if n not in contract_names and n not in carried)


def _valid_schema(schema: pa.Schema, table: Table) -> pa.Schema:
    """The schema of valid rows: landed types, primary key columns not nullable."""
    keys = set(table.primary_key)
    return pa.schema([f.with_nullable(False) if f.name in keys else f for f in schema])


def _quarantine_rows(
    con: duckdb.DuckDBPyConnection, rejected: pa.Table, table: Table, source_file: str, stamp: datetime
) -> pa.Table:
    """Shape rejected rows (reason and payload computed) as quarantine rows with a stable id."""
    sql = f"SELECT {_quarantine_columns(table, source_file)} FROM {_BATCH}"
    return _run(con, sql, rejected, stamp=stamp).cast(QUARANTINE_SCHEMA)


def _check_sql(schema: pa.Schema, table: Table, extras: tuple[str, ...], carried: tuple[str, ...] = ()) -> str:
    """One SELECT giving typed contract columns, extras, the reason text and, for bad rows, the payload
    (``carried`` columns pass through, left out of the payload).

    A plain projection of one scan: with ``preserve_insertion_order`` DuckDB returns the rows in
    input order, which the newest-version tie-break (later row wins) relies on.
    """
    selects: list[str] = []
    reasons: list[str] = []
    for column in table.columns:
        if column.name in schema.names:
            typed, column_reasons = _column_sql(column, schema.field(column.name).type)
            reasons.extend(column_reasons)
        else:
            typed = f"CAST(NULL AS {DUCKDB_TYPES[column.type]})"
        selects.append(f"{typed} AS {quote(column.name)}")
    selects.extend(quote(name) for name in (*extras, *carried))
    reason = f"concat_ws('; ', {', '.join(reasons)})" if reasons else "''"
    original = sorted(n for n in schema.names if n not in carried)
    payload = "to_json(struct_pack(" + ", ".join(f"{quote(n)} := {quote(n)}" for n in original) + "))"
    return (
        f"WITH checked AS (SELECT *, {reason} AS {_REASON} FROM {_BATCH}) "
        f"SELECT {', '.join(selects)}, {_REASON}, "
        f"CASE WHEN {_REASON} <> '' THEN {payload} END AS {_PAYLOAD} "
        f"FROM checked"
    )


def _typed_sql(column: Column, source_type: pa.DataType) -> str:
    """SQL casting the raw column to its landed type; NULL where the value cannot be cast."""
    raw = quote(column.name)
    is_text = pa.types.is_string(source_type) or pa.types.is_large_string(source_type)
    target = DUCKDB_TYPES[column.type]
    if column.type == "text":
        return raw if is_text else f"CAST({raw} AS VARCHAR)"
    if is_text:
        cleaned = f"NULLIF(trim({raw}), '')"
        if column.type == "bigint":
            return f"CASE WHEN regexp_full_match({cleaned}, {literal(INTEGER_PATTERN)}) " \
                   f"THEN TRY_CAST({cleaned} AS BIGINT) END"
        return f"TRY_CAST({cleaned} AS {target})"
    if column.type == "bigint" and pa.types.is_floating(source_type):
        return f"CASE WHEN {raw} = trunc({raw}) THEN TRY_CAST({raw} AS BIGINT) END"
    return f"TRY_CAST({raw} AS {target})"


def _present_sql(expression: str, is_text: bool) -> str:
    """SQL true when a value is there: not NULL and, for text, not blank."""
    return f"({expression} IS NOT NULL AND trim({expression}) <> '')" if is_text else f"({expression} IS NOT NULL)"


def _column_sql(column: Column, source_type: pa.DataType) -> tuple[str, list[str]]:
    """The typed expression of one column and the SQL of each rule it can break (NULL when kept)."""
    raw = quote(column.name)
    name = column.name
    source_is_text = pa.types.is_string(source_type) or pa.types.is_large_string(source_type)
    typed = _typed_sql(column, source_type)
    raw_present = _present_sql(raw, source_is_text)
    reasons: list[str] = []

    def rule(condition: str, message: str) -> None:
        reasons.append(f"CASE WHEN {condition} THEN {literal(message)} END")

    if column.required:
        rule(f"NOT {raw_present}", f"missing required {name}")
    if column.type != "text" or not source_is_text:
        rule(f"{raw_present} AND {typed} IS NULL", f"invalid {column.type} in {name}")
    value_is_text = column.type == "text"
    present = _present_sql(typed, value_is_text)
    trimmed = f"trim({typed})"
    if column.format == "email" and value_is_text:
        rule(f"{present} AND {email_sql(typed)} IS NULL", f"malformed email in {name}")
    if column.format == "timestamp" and value_is_text:
        rule(f"{present} AND NOT (regexp_full_match({trimmed}, {literal(TIMESTAMP_PATTERN)}) "
             f"AND TRY_CAST({trimmed} AS TIMESTAMPTZ) IS NOT NULL)", f"malformed timestamp in {name}")
    if column.format == "decimal" and value_is_text:
        rule(f"{present} AND NOT regexp_full_match({trimmed}, {literal(DECIMAL_PATTERN)})",
             f"malformed decimal in {name}")
    if column.min is not None:
        bound = f"{column.min:g}"
        if value_is_text:
            number = f"(CASE WHEN regexp_full_match({trimmed}, {literal(DECIMAL_PATTERN)}) " \
                     f"THEN TRY_CAST({trimmed} AS DOUBLE) END)"
        else:
            number = typed
        rule(f"{number} < {bound}", f"below minimum {bound} in {name}")
    return typed, reasons
