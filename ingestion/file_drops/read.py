"""Parse a detected export into DuckDB views the converters read: ``src`` (and ``src_users``).

Delimited files are read by pyarrow's CSV reader with the dialect fixed (delimiter, ``"`` quotes,
strict: every line must have as many fields as the heading line), every value as text, so what
lands is what the vendor wrote, in the file's encoding (:mod:`ingestion.file_drops.encoding`:
Windows-1252 and Latin-1 are converted to UTF-8). **Exact duplicate lines** (every field equal to
an earlier line's) are removed and counted: an export with a line repeated would otherwise count
a line item, and its units, twice. JSON is read by DuckDB's JSON reader into one text ``record``
per object (it must be UTF-8); a truncated or malformed document fails as a whole. Either way the
whole file is parsed before any of it is converted, and a parse error raises
:class:`~ingestion.errors.LandingFileError` naming the file and the problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from ingestion.errors import LandingFileError
from ingestion.file_drops.detect import Detection
from ingestion.file_drops.encoding import TextEncoding, not_utf8_problem
from ingestion.file_drops.formats.base import Export, literal, quote

VIEWS = ("src", "src_users")
_RECORDS_SCHEMA = pa.schema([pa.field("record", pa.string()), pa.field("__row", pa.int64())])


@dataclass(frozen=True)
class Opened:
    """A parsed file, registered as ``src`` for its converter."""

    export: Export
    rows: int
    """Data rows in the file (lines after the heading, or JSON records), duplicates included."""
    duplicate_lines: int = 0
    """Exact duplicate lines removed (not in ``src``)."""


@contextmanager
def opened(con: duckdb.DuckDBPyConnection, path: Path, detection: Detection,
           encoding: TextEncoding | None = None) -> Iterator[Opened]:
    """Register the parsed file as ``src`` (and ``src_users``); yield what was read.

    ``encoding``: of the whole file (:func:`~ingestion.file_drops.encoding.file_encoding`); default
    the detection's guess.
    """
    path = Path(path)
    encoding = encoding or TextEncoding(detection.encoding)
    duplicates = 0
    try:
        if detection.format.layout == "json":
            if encoding.converted:
                raise LandingFileError(path, not_utf8_problem(encoding) + " (JSON files are always UTF-8)")
            tickets, users = _read_json(con, path)
            _register(con, src=tickets, src_users=users)
            headings = tuple(sorted(
                key for (key,) in con.execute("SELECT DISTINCT unnest(json_keys(record)) FROM src").fetchall()
                if key is not None))
            rows = tickets.num_rows
        else:
            table = _read_delimited(path, detection, encoding)
            rows = table.num_rows
            table = without_duplicate_lines(con, table)
            duplicates = rows - table.num_rows
            _register(con, src=table, src_users=pa.table({"record": pa.array([], pa.string()),
                                                          "__row": pa.array([], pa.int64())}))
            headings = tuple(c for c in table.column_names if c != "__row")
        exported_at = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(microsecond=0)
        yield Opened(Export(path=path, headings=headings, exported_at=exported_at), rows, duplicates)
    finally:
        for view in VIEWS:
            con.unregister(view)


def _register(con: duckdb.DuckDBPyConnection, **tables: pa.Table) -> None:
    for name, table in tables.items():
        con.register(name, table)


def column_names(headings: tuple[str, ...]) -> list[str]:
    """Headings as unique, non-empty column names (``Tags``, ``Tags (2)``, ``column 7``)."""
    names: list[str] = []
    seen: set[str] = set()
    for position, heading in enumerate(headings, start=1):
        name = heading or f"column {position}"
        candidate, n = name, 1
        while candidate in seen:
            n += 1
            candidate = f"{name} ({n})"
        seen.add(candidate)
        names.append(candidate)
    return names


def without_duplicate_lines(con: duckdb.DuckDBPyConnection, table: pa.Table) -> pa.Table:
    """The lines of ``table`` minus exact repeats of an earlier line (every field equal, empty equal
    to empty), in file order; ``__row`` keeps each line's original position.

    Lines are first grouped by a hash of all their fields; only lines sharing a hash are compared
    field by field (so a hash collision can never remove a line that differs).
    """
    fields = [c for c in table.column_names if c != "__row"]
    if table.num_rows < 2 or not fields:
        return table
    columns = ", ".join(quote(c) for c in fields)
    con.register("__cdw_lines", table)
    try:
        shared = con.sql(f"SELECT hash({columns}) AS h FROM __cdw_lines GROUP BY h HAVING count(*) > 1"
                         ).to_arrow_table()
        if not shared.num_rows:
            return table
        con.register("__cdw_shared", shared)
        candidates = con.sql(f"SELECT __row FROM __cdw_lines WHERE hash({columns}) IN (SELECT h FROM __cdw_shared)"
                             ).to_arrow_table()
        con.register("__cdw_candidates", candidates)
        repeats = con.sql(
            f"SELECT __row FROM (SELECT l.__row, row_number() OVER (PARTITION BY {columns} ORDER BY l.__row) AS k "
            "FROM __cdw_lines l SEMI JOIN __cdw_candidates c ON l.__row = c.__row) WHERE k > 1").to_arrow_table()
    finally:
        for view in ("__cdw_lines", "__cdw_shared", "__cdw_candidates"):
            con.unregister(view)
    if not repeats.num_rows:
        return table
    return table.filter(pc.invert(pc.is_in(table["__row"], value_set=repeats["__row"])))


def _read_delimited(path: Path, detection: Detection, encoding: TextEncoding) -> pa.Table:
    """Every line after the heading, one text column per heading; strict about the field count.

    pyarrow's reader (multithreaded, vectorised) refuses a line with more or fewer fields than the
    heading line, which is how a stray unquoted delimiter shows; only the empty field is null, so
    ``NA`` or ``NULL`` in a name stay text. Tab-separated flat files (Amazon's reports) are not
    quoted: a ``"`` is part of the value (a customer comment may begin with one), and a line is a
    record.
    """
    names = column_names(detection.headings)
    delimiter = detection.format.delimiter or ","
    kind = "tab-separated" if delimiter == "\t" else "CSV"
    quoted = delimiter != "\t"
    try:
        table = pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1,
                                            encoding=encoding.codec if encoding.converted else "utf8",
                                            block_size=8 << 20),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, quote_char='"' if quoted else False,
                                              double_quote=quoted, escape_char=False, newlines_in_values=quoted),
            convert_options=pa_csv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                  strings_can_be_null=True, null_values=[""]),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        raise LandingFileError(path, f"not a well-formed {kind} file: {_arrow_problem(error)}") from None
    return table.append_column("__row", pa.array(np.arange(table.num_rows, dtype=np.int64)))


def _arrow_problem(error: Exception) -> str:
    """pyarrow's explanation, with the offending line cut to its first few characters."""
    text = str(error).removeprefix("CSV parse error: ")
    reason, _, line = text.partition(": ")
    return f"{reason} (in the line beginning {line[:24]!r})" if line else reason


def _read_json(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[pa.Table, pa.Table]:
    """Ticket records and side-loaded user records, each one JSON text per row, in file order."""
    size = max(path.stat().st_size + 1, 16 * 1024 * 1024)
    source = (f"read_json_objects({literal(str(path))}, format = 'unstructured', "
              f"maximum_object_size = {min(size, 2**32 - 1)})")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE __cdw_json AS SELECT json, json_type(json) AS kind FROM {source}")
        values, kinds = con.execute("SELECT count(*), list(DISTINCT kind) FROM __cdw_json").fetchall()[0]
        document = values == 1 and kinds == ["OBJECT"] and con.execute(
            "SELECT json_exists(json, '$.tickets') FROM __cdw_json").fetchall()[0][0]
        if document:
            tickets = _records(con, "SELECT unnest(json_extract(json, '$.tickets[*]')) FROM __cdw_json")
            users = _records(con, "SELECT unnest(json_extract(json, '$.users[*]')) FROM __cdw_json "
                                  "WHERE json_exists(json, '$.users')")
        elif values == 1 and kinds == ["ARRAY"]:
            tickets = _records(con, "SELECT unnest(json_extract(json, '$[*]')) FROM __cdw_json")
            users = _records(con, "SELECT NULL WHERE false")
        elif values and kinds == ["OBJECT"]:
            tickets = _records(con, "SELECT json FROM __cdw_json")
            users = _records(con, "SELECT NULL WHERE false")
        else:
            found = "nothing" if not values else "values of type " + ", ".join(sorted(k for k in kinds if k))
            raise LandingFileError(path, f"expected ticket objects (one per line, an array, or a document with a "
                                         f"'tickets' list), found {found}")
    except duckdb.Error as error:
        raise LandingFileError(path, f"not valid JSON (truncated?): {_duckdb_problem(error, path)}") from None
    finally:
        con.execute("DROP TABLE IF EXISTS __cdw_json")
    return tickets, users


def _records(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    values = con.sql(f"SELECT CAST(v AS VARCHAR) AS record FROM ({sql}) AS t(v)").to_arrow_table()
    rows = pa.array(np.arange(values.num_rows, dtype=np.int64))
    return pa.Table.from_arrays([values["record"].cast(pa.string()), rows], schema=_RECORDS_SCHEMA)


def _duckdb_problem(error: Exception, path: Path) -> str:
    """DuckDB's explanation, without its boilerplate, advice list and the file's path."""
    text = str(error)
    text = re.sub(r"^[A-Za-z ]*Error: ", "", text)
    text = re.split(r"\n\s*(Possible fixes|file =)", text)[0]
    text = text.replace(f' in file "{path}"', "").replace(str(path), path.name)
    return "; ".join(part.strip() for part in text.splitlines() if part.strip())
