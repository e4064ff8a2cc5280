"""Quoting for SQL the project writes itself (DuckDB, standard SQL quoting rules).

Every module that puts a name or a value into SQL text goes through these, so an identifier with a
double quote or a value with an apostrophe (``O'Brien``) can never break out of its place.
"""

from __future__ import annotations

from collections.abc import Iterable


def quote_identifier(identifier: str) -> str:
    """One identifier in double quotes, any double quote inside doubled (``a"b`` -> ``"a""b"``)."""
    return '"' + identifier.replace('"', '""') + '"'


def quote_relation(relation: str) -> str:
    """``schema.table`` (or ``catalog.schema.table``) with every part quoted."""
    return ".".join(quote_identifier(part) for part in relation.split("."))


def literal(value: str) -> str:
    """``O'Brien`` -> ``'O''Brien'``: a string literal, single quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


def literal_list(values: Iterable[str]) -> str:
    """``('a', 'b')``: sorted string literals for ``IN``; ``(NULL)`` when empty (matches nothing)."""
    items = sorted(set(values))
    return "(" + (", ".join(literal(v) for v in items) if items else "NULL") + ")"
