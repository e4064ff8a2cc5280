"""`cdw query`: SQL for analysts that can only read, and only what they may see.

Two layers, so a gap in one is caught by the other:

1. **DuckDB's own guards** (:func:`connect_for_analysts`): the warehouse file opens read-only, with
   ``enable_external_access=false`` (no file or network access: ``COPY ... TO``, ``read_csv``,
   ``glob``, ``ATTACH``, ``INSTALL`` fail inside DuckDB), extensions neither installed nor loaded
   automatically, community extensions refused, Python replacement scans off, and the
   configuration locked (``SET enable_external_access = true`` fails).
2. **A statement check** (:func:`check_statement`) before anything runs: DuckDB's parser says what
   kind of statement it is (only ``SELECT``-shaped statements, which include ``SHOW``, ``DESCRIBE``,
   ``SUMMARIZE`` and ``PIVOT``, and ``EXPLAIN`` of one, are run); DuckDB's binder says which
   relations and table functions it reads (the unoptimised logical plan of ``EXPLAIN``, so
   ``query_table('restricted.x')``, views and macros are seen through, and a ``count(*)`` the
   optimiser answers from statistics still shows its scan). A statement that reads the
   ``restricted`` schema is refused unless the analyst asked for it (``--restricted``), and only
   metadata and generator table functions are allowed (``duckdb_table_sample`` or
   ``pragma_storage_info`` would show restricted values without a scan).

Results stream: ``csv`` and ``json`` write every row (``--limit`` caps them), so an export is
``cdw query --format csv "select ..." > file.csv``; ``table`` shows the first rows, every column
(a record per row when the columns do not fit the terminal).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import duckdb
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cdw.publish_plan import PERSONAL_SUFFIX

FORMATS = ("table", "csv", "json")
DEFAULT_TABLE_ROWS = 100
BATCH_ROWS = 2_000
MAX_CELL = 40  # characters of a value shown in a table cell before it is cut
RESTRICTED = "restricted"
EXPLAIN = "explain (format json) "
EXPORT_HINT = 'to export, write the result to a file: cdw query --format csv "select ..." > result.csv'

ANALYST_CONFIG: dict[str, str | bool] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    "python_enable_replacements": False,
    "explain_output": "all",  # the unoptimised logical plan names every relation the binder resolved
}

# Table functions an analyst may call: generators and catalog metadata (names, types, sizes; no values).
ALLOWED_TABLE_FUNCTIONS = frozenset({
    "range", "generate_series", "unnest", "repeat", "repeat_row", "json_each", "json_tree",
    "duckdb_columns", "duckdb_constraints", "duckdb_databases", "duckdb_dependencies", "duckdb_extensions",
    "duckdb_functions", "duckdb_indexes", "duckdb_keywords", "duckdb_schemas", "duckdb_sequences",
    "duckdb_settings", "duckdb_tables", "duckdb_types", "duckdb_variables", "duckdb_views", "duckdb_optimizers",
    "duckdb_approx_database_count", "pragma_table_info", "pragma_show", "pragma_database_size", "pragma_version",
    "pragma_platform", "pragma_collations", "pragma_user_agent", "pg_timezone_names", "icu_calendar_names",
    "test_all_types",
})

_WRITE = "the warehouses are read-only to analysts: only the pipeline writes them (`cdw run`, `cdw publish`)"
REFUSALS: dict[str, str] = {
    "COPY": f"COPY reads or writes files, and cdw query cannot touch files; {EXPORT_HINT}",
    "COPY_DATABASE": f"COPY FROM DATABASE writes a database; {EXPORT_HINT}",
    "EXPORT": f"EXPORT DATABASE writes files; {EXPORT_HINT}",
    "ATTACH": "ATTACH is off: cdw query reads one warehouse (the serving copy, or the build with --build)",
    "DETACH": "DETACH is off: cdw query reads one warehouse (the serving copy, or the build with --build)",
    "SET": "settings are fixed for analyst connections (external access off, configuration locked); "
           "qualify names instead of changing the search path, e.g. analytics.dim_customers",
    "VARIABLE_SET": "settings and variables are fixed for analyst connections; put values in the SQL itself",
    "PRAGMA": "PRAGMA is off; the catalog is readable with SQL: `show all tables`, `describe analytics.<table>`, "
              "`select * from duckdb_columns()`",
    "LOAD": "extensions are off for analyst connections (INSTALL/LOAD are refused)",
    "EXTENSION": "extensions are off for analyst connections (INSTALL/LOAD are refused)",
    "UPDATE_EXTENSIONS": "extensions are off for analyst connections",
    "CALL": "CALL is off; select from the function instead, e.g. `select * from duckdb_tables()`",
    "TRANSACTION": "transactions are not needed: every query reads one consistent published copy",
}


class QueryRefused(ValueError):
    """The statement is not allowed for analysts; the message says why and what is allowed instead."""


class WarehouseUnreadable(RuntimeError):
    """The warehouse file is missing or not a DuckDB database; the message says how to get it back."""


@dataclass(frozen=True)
class Warehouse:
    """Which file a query reads, and what is personal in it."""

    db: Path
    search_path: str
    personal_everywhere: bool = False  # the build warehouse: personal data in every layer

    @classmethod
    def serving(cls, db: Path) -> Warehouse:
        return cls(db=db, search_path="analytics")

    @classmethod
    def build(cls, db: Path) -> Warehouse:
        return cls(db=db, search_path="marts", personal_everywhere=True)


def connect_for_analysts(warehouse: Warehouse) -> duckdb.DuckDBPyConnection:
    """A read-only connection with external access off and the configuration locked.

    Raises :class:`WarehouseUnreadable` when the file is missing or not a DuckDB database.
    """
    if not warehouse.db.exists():
        raise WarehouseUnreadable(f"no warehouse at {warehouse.db}; run `cdw run` (or `make demo`) to build and "
                                  "publish one")
    try:
        con = duckdb.connect(str(warehouse.db), read_only=True, config=dict(ANALYST_CONFIG))
    except duckdb.Error as exc:
        raise WarehouseUnreadable(f"{warehouse.db} cannot be opened ({str(exc).splitlines()[0]}); rebuild it with "
                                  "`cdw publish` (serving) or `cdw run` (build and serving)") from None
    con.execute("set enable_progress_bar = false")  # it would write into a streamed CSV/JSON export
    con.execute(f"set search_path = '{warehouse.search_path}'")
    con.execute("set lock_configuration = true")
    return con


# ------------------------------------------------------------------------------------------ the check


def _table_functions(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    rows = con.execute("select distinct function_name from duckdb_functions() "
                       "where function_type in ('table', 'table_macro')").fetchall()
    return frozenset(r[0].lower() for r in rows)


def _plan_nodes(con: duckdb.DuckDBPyConnection, sql: str) -> Iterator[dict]:
    """Every operator of the statement's plans (unoptimised logical, optimised logical, physical)."""

    def walk(node: dict) -> Iterator[dict]:
        yield node
        for child in node.get("children", []):
            yield from walk(child)

    for _, plan in con.execute(EXPLAIN + sql).fetchall():
        for root in json.loads(plan):
            yield from walk(root)


def _without_explain(message: str) -> str:
    """DuckDB's message about the analyst's own text: the check's ``EXPLAIN`` prefix taken out of the caret lines."""
    lines = message.split("\n")
    for number, line in enumerate(lines):
        if line.startswith("LINE 1: " + EXPLAIN):
            lines[number] = line.replace(EXPLAIN, "", 1)
            if number + 1 < len(lines) and lines[number + 1].startswith(" " * len(EXPLAIN)):
                lines[number + 1] = lines[number + 1][len(EXPLAIN):]
    return "\n".join(lines)


def bound_reads(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[set[str], set[str]]:
    """``(tables, table functions)`` a SELECT-shaped statement reads, as DuckDB's binder resolved them.

    Tables are ``catalog.schema.table``; functions are lower-case names.
    """
    known_functions = _table_functions(con)
    tables: set[str] = set()
    functions: set[str] = set()
    for node in _plan_nodes(con, sql):
        info = node.get("extra_info") or {}
        if isinstance(info, dict) and info.get("Table"):
            tables.add(str(info["Table"]))
        elif isinstance(info, dict) and info.get("Function"):
            functions.add(str(info["Function"]).lower())
        elif str(node.get("name", "")).lower() in known_functions:
            functions.add(str(node["name"]).lower())
    return tables, functions


def _explained(statement: duckdb.Statement) -> str:
    """The statement an ``EXPLAIN [ANALYZE] [(options)]`` wraps, found with DuckDB's tokenizer."""
    text = statement.query
    tokens = duckdb.tokenize(text)
    index = 1  # tokens[0] is EXPLAIN
    if index < len(tokens) and text[tokens[index][0]:].lower().startswith("analyze"):
        index += 1
    if index < len(tokens) and text[tokens[index][0]] == "(":
        depth = 0
        while index < len(tokens):
            char = text[tokens[index][0]]
            depth += char == "("
            depth -= char == ")"
            index += 1
            if depth == 0:
                break
    if index >= len(tokens):
        raise QueryRefused("EXPLAIN needs a statement to explain, e.g. `explain select * from fct_orders`")
    return text[tokens[index][0]:]


def check_statement(con: duckdb.DuckDBPyConnection, statement: duckdb.Statement, warehouse: Warehouse,
                    restricted: bool = False) -> None:
    """Refuse (:class:`QueryRefused`) anything but reading what the analyst may see."""
    kind = statement.type.name
    if kind == "EXPLAIN":
        inner = con.extract_statements(_explained(statement))
        if len(inner) != 1:
            raise QueryRefused("EXPLAIN takes one statement")
        check_statement(con, inner[0], warehouse, restricted)
        return
    if kind in REFUSALS:
        raise QueryRefused(f"{kind.replace('_', ' ')} is not allowed: {REFUSALS[kind]}")
    if kind != "SELECT":
        raise QueryRefused(f"{kind.replace('_', ' ')} is not allowed: {_WRITE}. cdw query runs SELECT (with WITH, "
                           "FROM-first, PIVOT), SHOW, DESCRIBE, SUMMARIZE and EXPLAIN")
    try:
        tables, functions = bound_reads(con, statement.query)
    except duckdb.Error as exc:
        raise type(exc)(_without_explain(str(exc))) from None
    refused_functions = sorted(functions - ALLOWED_TABLE_FUNCTIONS)
    if refused_functions:
        raise QueryRefused(f"table function {', '.join(refused_functions)} is not allowed: cdw query reads the "
                           "warehouse's tables only (no files, no storage internals); catalog functions such as "
                           "duckdb_tables() and duckdb_columns() and generators such as range() are allowed")
    if restricted:
        return
    catalog = con.execute("select current_database()").fetchall()[0][0]
    # a restricted view reads its personal columns' table: name the view the analyst wrote
    personal = sorted({t.removeprefix(f"{catalog}.").removesuffix(PERSONAL_SUFFIX) for t in tables
                       if warehouse.personal_everywhere or t.startswith(f"{catalog}.{RESTRICTED}.")})
    if personal:
        shown = ", ".join(personal)
        raise QueryRefused(f"{shown} holds personal data: add --restricted if you are allowed to see it "
                           "(the analytics schema has the same tables without personal columns)")


def statements(con: duckdb.DuckDBPyConnection, sql: str) -> list[duckdb.Statement]:
    parsed = con.extract_statements(sql)
    if not parsed:
        raise QueryRefused('no SQL given; e.g. cdw query "show all tables"')
    return parsed


# ------------------------------------------------------------------------------------------ output


def _as_text(relation: duckdb.DuckDBPyRelation) -> duckdb.DuckDBPyRelation:
    """Every column as DuckDB renders it (exact decimals, ISO timestamps, lists as [a, b])."""
    return relation.query("__cdw_result", "select columns(*)::varchar from __cdw_result")


def _batches(relation: duckdb.DuckDBPyRelation, limit: int | None) -> Iterator[list[tuple]]:
    """Rows a batch at a time from DuckDB's streaming result (never the whole result in memory)."""
    remaining = limit
    for batch in relation.to_arrow_reader(BATCH_ROWS):
        rows = list(zip(*(column.to_pylist() for column in batch.columns), strict=True))
        if remaining is not None:
            rows = rows[:remaining]
            remaining -= len(rows)
        if rows:
            yield rows
        if remaining is not None and remaining <= 0:
            return


def write_csv(relation: duckdb.DuckDBPyRelation, out: TextIO, limit: int | None = None) -> int:
    """Stream the result as CSV (header, then every row; NULL as an empty field). Returns rows written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(relation.columns)
    written = 0
    for rows in _batches(_as_text(relation), limit):
        writer.writerows(rows)
        written += len(rows)
    return written


def write_json(relation: duckdb.DuckDBPyRelation, out: TextIO, limit: int | None = None) -> int:
    """Stream the result as a JSON array of objects, one per line (DuckDB's own JSON for each value)."""
    rows_as_json = relation.query("__cdw_result", "select to_json(__cdw_result) from __cdw_result")
    written = 0
    out.write("[")
    for rows in _batches(rows_as_json, limit):
        for (row,) in rows:
            out.write(("\n" if written == 0 else ",\n") + row)
            written += 1
    out.write("\n]\n" if written else "]\n")
    return written


NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
           "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL")


def _cell(value: str | None) -> Text:
    if value is None:
        return Text("NULL", style="dim")
    return Text(value if len(value) <= MAX_CELL else value[: MAX_CELL - 1] + "…")


def print_table(console: Console, relation: duckdb.DuckDBPyRelation, limit: int = DEFAULT_TABLE_ROWS) -> int:
    """Show up to ``limit`` rows with every column: a table when it fits the terminal, else one record per row."""
    columns = relation.columns
    types = [str(t).upper() for t in relation.types]
    rows = _as_text(relation).limit(limit + 1).fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    widths = [max([len(c)] + [min(len(v or "NULL"), MAX_CELL) for v in (r[i] for r in rows)])
              for i, c in enumerate(columns)]
    if sum(widths) + 3 * len(columns) + 1 <= console.width:
        table = Table(show_edge=False, header_style="bold")
        for name, kind in zip(columns, types, strict=True):
            table.add_column(name, justify="right" if kind.startswith(NUMERIC) else "left", no_wrap=True)
        for row in rows:
            table.add_row(*(_cell(v) for v in row))
        console.print(table)
    else:
        label = max((len(c) for c in columns), default=0)
        for number, row in enumerate(rows, 1):
            console.print(Text(f"-[ row {number} ]" + "-" * max(0, min(console.width, 60) - 12), style="dim"))
            for name, value in zip(columns, row, strict=True):
                line = Text(f"{name:<{label}} | ", style="bold")
                line.append(Text("NULL", style="dim") if value is None else Text(value))
                console.print(line, soft_wrap=True)
    tail = f"first {limit} rows shown; --limit N for more, or --format csv|json for all" if more else \
        f"{len(rows)} row{'s' if len(rows) != 1 else ''}"
    console.print(Text(f"({tail})", style="dim"))
    return len(rows)


# ------------------------------------------------------------------------------------------ the command


def run(warehouse: Warehouse, sql: str, *, restricted: bool = False, fmt: str = "table", limit: int | None = None,
        console: Console, out: TextIO) -> None:
    """Check every statement, then run them in order and print each result (csv/json: exactly one statement).

    Raises :class:`QueryRefused`, :class:`WarehouseUnreadable` or :class:`duckdb.Error` (DuckDB's full message).
    """
    if fmt not in FORMATS:
        raise QueryRefused(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if warehouse.personal_everywhere and not restricted:
        raise QueryRefused("the build warehouse holds personal data in every layer (raw, staging, marts): add "
                           "--restricted if you are allowed to see it, or query the serving warehouse's analytics "
                           "schema (without --build)")
    con = connect_for_analysts(warehouse)
    try:
        parsed = statements(con, sql)
        if fmt != "table" and len(parsed) != 1:
            raise QueryRefused(f"--format {fmt} writes one result: give one statement ({len(parsed)} given)")
        for statement in parsed:
            check_statement(con, statement, warehouse, restricted)
        for statement in parsed:
            relation = con.sql(statement.query)
            if relation is None:
                continue
            if fmt == "csv":
                write_csv(relation, out, limit)
            elif fmt == "json":
                write_json(relation, out, limit)
            else:
                print_table(console, relation, DEFAULT_TABLE_ROWS if limit is None else limit)
    finally:
        con.close()


def main(db: Path, sql: str, *, build: bool = False, restricted: bool = False, fmt: str = "table",
         limit: int | None = None, out: TextIO, console: Console, errors: Console) -> int:
    """The ``cdw query`` command: run, and on failure print DuckDB's whole message and what to do. Exit code."""
    warehouse = Warehouse.build(db) if build else Warehouse.serving(db)
    try:
        run(warehouse, sql, restricted=restricted, fmt=fmt, limit=limit, console=console, out=out)
    except QueryRefused as exc:
        return _error(errors, f"refused: {exc}", "cdw query reads tables: select, show, describe, summarize, "
                                                 "explain; `cdw query \"show all tables\"` lists them")
    except WarehouseUnreadable as exc:
        return _error(errors, str(exc), "then run the query again")
    except duckdb.PermissionException as exc:
        return _error(errors, str(exc), f"cdw query cannot read or write files; {EXPORT_HINT}")
    except duckdb.Error as exc:
        return _error(errors, str(exc), "check the SQL; `cdw query \"show all tables\"` lists tables, "
                                        "`cdw query \"describe <table>\"` their columns")
    return 0


def _error(errors: Console, message: str, hint: str) -> int:
    text = Text("error: ", style="bold red")
    text.append(message)  # DuckDB's whole message: candidates ("Did you mean ...") and the caret line
    errors.print(text, soft_wrap=True, highlight=False)
    errors.print(Text("next: ", style="yellow") + Text(hint), soft_wrap=True, highlight=False)
    return 1
