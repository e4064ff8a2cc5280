"""Parse a detected export into DuckDB views the converters read: ``src`` (and ``src_users``).

Delimited files are read by pyarrow's CSV reader with the dialect fixed (delimiter, ``"`` quotes,
strict: every line must have as many fields as the heading line), every value as text, so what
lands is what the vendor wrote. JSON is read by DuckDB's JSON reader into one
text ``record`` per object; a truncated or malformed document fails as a whole. Either way the
whole file is parsed before any of it is converted, and a parse error raises
:class:`~ingestion.errors.LandingFileError` naming the file and the problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from ingestion.errors import LandingFileError
from ingestion.file_drops.detect import Detection
from ingestion.file_drops.formats.base import Export, literal

VIEWS = ("src", "src_users")
_RECORDS_SCHEMA = pa.schema([pa.field("record", pa.string()), pa.field("__row", pa.int64())])


@contextmanager
def opened(con: duckdb.DuckDBPyConnection, path: Path, detection: Detection) -> Iterator[tuple[Export, int]]:
    """Register the parsed file as ``src`` (and ``src_users``); yield the export and its row count."""
    path = Path(path)
    try:
        if detection.format.layout == "json":
            tickets, users = _read_json(con, path)
            _register(con, src=tickets, src_users=users)
            headings = tuple(sorted(
                key for (key,) in con.execute("SELECT DISTINCT unnest(json_keys(record)) FROM src").fetchall()
                if key is not None))
            rows = tickets.num_rows
        else:
            table = _read_delimited(path, detection)
            _register(con, src=table, src_users=pa.table({"record": pa.array([], pa.string()),
                                                          "__row": pa.array([], pa.int64())}))
            headings = tuple(c for c in table.column_names if c != "__row")
            rows = table.num_rows
        exported_at = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(microsecond=0)
        yield Export(path=path, headings=headings, exported_at=exported_at), rows
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


def _read_delimited(path: Path, detection: Detection) -> pa.Table:
    """Every line after the heading, one text column per heading; strict about the field count.

    pyarrow's reader (multithreaded, vectorised) refuses a line with more or fewer fields than the
    heading line, which is how a stray unquoted delimiter shows; only the empty field is null, so
    ``NA`` or ``NULL`` in a name stay text.
    """
    names = column_names(detection.headings)
    delimiter = detection.format.delimiter or ","
    kind = "tab-separated" if delimiter == "\t" else "CSV"
    try:
        table = pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1, encoding=detection.encoding,
                                            block_size=8 << 20),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True,
                                              escape_char=False, newlines_in_values=True),
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
