"""Content fingerprints of build relations: how a publish tells an unchanged table from a changed one.

A fingerprint is the row count and an order-independent sum of one hash per row (DuckDB's ``hash``
over every column, summed as a 128-bit integer), together with the column names and types. Equal
fingerprints mean the same multiset of rows (up to a 64-bit hash collision) whatever physical order
dbt wrote them in; a duplicated row changes the sum (an XOR would cancel it out). Computing it reads
each column once, in parallel, and writes nothing: far cheaper than copying the table.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import duckdb

from core.sql import quote_identifier

Column = tuple[str, str]
"""(column name, DuckDB type)."""


@dataclass(frozen=True)
class Fingerprint:
    rows: int
    digest: str  # hex: the columns, the row count and the sum of row hashes


def digest(*parts: object) -> str:
    """A stable hex digest of JSON-serialisable ``parts`` (names, types, counts, sums)."""
    return hashlib.sha256(json.dumps(parts, separators=(",", ":")).encode()).hexdigest()[:32]


def relation_columns(con: duckdb.DuckDBPyConnection, catalog: str,
                     schemas: tuple[str, ...]) -> dict[tuple[str, str], list[Column]]:
    """(schema, relation) -> its columns in order, for every table and view of ``schemas``: one query."""
    rows = con.execute(
        """
        select table_schema, table_name, column_name, data_type
        from information_schema.columns
        where table_catalog = ? and table_schema in (select unnest(?::varchar[]))
        order by table_schema, table_name, ordinal_position
        """,
        [catalog, list(schemas)],
    ).fetchall()
    columns: dict[tuple[str, str], list[Column]] = {}
    for schema, name, column, data_type in rows:
        columns.setdefault((schema, name), []).append((column, data_type))
    return columns


def fingerprint(con: duckdb.DuckDBPyConnection, relation: str, columns: list[Column]) -> Fingerprint:
    """Fingerprint of ``relation``: a quoted table or view name, or a parenthesised query."""
    if not columns:
        rows = con.execute(f"select count(*) from {relation}").fetchall()[0][0]
        return Fingerprint(rows, digest([], rows, "0"))
    hashed = ", ".join(quote_identifier(name) for name, _ in columns)
    rows, total = con.execute(
        f"select count(*), coalesce(sum(hash({hashed})), 0)::varchar from {relation}").fetchall()[0]
    return Fingerprint(rows, digest([list(c) for c in columns], rows, total))

