"""What an export format is, and the small SQL vocabulary the converters share.

A format is declared, not coded: the vendor's file name patterns, its layout (comma- or
tab-separated text, or JSON), the headings it must carry (each with the spellings the vendor has
used over time), and a converter. The converter runs in DuckDB over the parsed file, registered as
the view ``src`` (one text column per heading plus ``__row``, the line's position in the file; or,
for JSON, one ``record`` per object), and returns one Arrow table per contract table it fills,
with columns already named as the contract's landed names.

Values are handed over as the vendor wrote them: the shared loader checks every row against the
contract (quarantine) and casts to the landed types, so a bad value reaches the quarantine with
its original text. Converters only re-spell what the contract needs in another form (timestamps
with a space before the UTC offset, enumerations the API spells differently) and say so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from fnmatch import fnmatch
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa

from core.contracts import load_contracts
from core.sql import literal as literal  # the file-drop readers quote with core.sql
from core.sql import quote_identifier as quote

Layout = Literal["csv", "tsv", "json"]
Heading = tuple[str, ...]
"""The accepted spellings of one heading, the current (canonical) one first."""

DELIMITERS: dict[Layout, str] = {"csv": ",", "tsv": "\t"}
EXTENSIONS: dict[Layout, tuple[str, ...]] = {
    "csv": (".csv",),
    "tsv": (".txt", ".tsv"),
    "json": (".json", ".ndjson", ".jsonl"),
}


@dataclass(frozen=True)
class Export:
    """One dropped file being converted: where it is, what it carries, when it was exported."""

    path: Path
    headings: tuple[str, ...]
    """Headings (or, for JSON, the top-level keys found in the records) present in the file."""
    exported_at: datetime
    """The file's modification time (UTC): the moment of a snapshot that carries no timestamp."""

    def column(self, heading: Heading) -> str:
        """SQL for the first spelling of ``heading`` present in the file, else a typed NULL."""
        present = set(self.headings)
        for spelling in heading:
            if spelling in present:
                return quote(spelling)
        return "CAST(NULL AS VARCHAR)"


Converter = Callable[[duckdb.DuckDBPyConnection, Export], dict[str, pa.Table]]


@dataclass(frozen=True)
class ExportFormat:
    """A vendor export file layout and how it becomes rows of the raw contract tables."""

    name: str
    """Short identifier, recorded with every processed file (``shopify_orders``)."""
    system: str
    """The contract system it lands in (``shopify``)."""
    title: str
    """What a person calls it (``Shopify orders export (CSV)``)."""
    where: str
    """Where to get it in the vendor's UI (for the README and error messages)."""
    layout: Layout
    name_patterns: tuple[str, ...]
    """Lower-case ``fnmatch`` patterns of the vendor's own file names: a match *claims* the format."""
    required: tuple[Heading, ...]
    """Headings the file must carry; a claimed file without them is rejected as a whole."""
    tables: tuple[str, ...]
    """Contract tables the converter fills."""
    convert: Converter
    optional: tuple[Heading, ...] = field(default_factory=tuple)
    """Headings read when present (documentation; absent ones land as nulls)."""

    @property
    def extensions(self) -> tuple[str, ...]:
        return EXTENSIONS[self.layout]

    @property
    def delimiter(self) -> str | None:
        return DELIMITERS.get(self.layout)

    def claims(self, file_name: str) -> bool:
        """True when the file is named as the vendor names this export."""
        name = file_name.lower()
        return Path(name).suffix in self.extensions and any(fnmatch(name, p) for p in self.name_patterns)

    def missing(self, headings: Iterable[str]) -> list[str]:
        """Required headings absent from ``headings``, by their canonical spelling."""
        present = set(headings)
        return [heading[0] for heading in self.required if not any(s in present for s in heading)]


# -- SQL helpers ------------------------------------------------------------------------------




def blank_null(expression: str) -> str:
    """The value as sent, with an empty (or all-blank) field as NULL."""
    return f"CASE WHEN trim({expression}) = '' THEN NULL ELSE {expression} END"


def trimmed(expression: str) -> str:
    """The value trimmed, empty as NULL (for keys and the values a converter maps)."""
    return f"NULLIF(trim({expression}), '')"


def unguarded(expression: str) -> str:
    """The value without the leading apostrophe Shopify writes before ids, phones and zips.

    Shopify's CSV exports prefix such values with ``'`` so spreadsheet programs keep them as text
    (``'+15555550100``, ``'02134``); the apostrophe is not part of the value.
    """
    return f"regexp_replace({trimmed(expression)}, '^''', '')"


_OFFSET_FORM = r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(:\d{2}(\.\d+)?)?) ?([+-]\d{2}):?(\d{2})$"
_UTC_FORM = r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(:\d{2}(\.\d+)?)?) ?(UTC|Z)$"


def iso_timestamp(expression: str) -> str:
    """The vendor's timestamp text re-spelt as ISO 8601, the same instant and offset.

    Admin exports write ``2024-05-01 10:00:00 -0400`` (space, offset without colon) or
    ``... UTC``; the contract wants ISO 8601 (``2024-05-01T10:00:00-04:00``). Values already ISO,
    or without an offset, pass unchanged; anything else passes unchanged too and is judged by the
    contract check (quarantine, reason ``malformed timestamp``).
    """
    offset = f"regexp_replace({trimmed(expression)}, {literal(_OFFSET_FORM)}, '\\1T\\2\\5:\\6')"
    return f"regexp_replace({offset}, {literal(_UTC_FORM)}, '\\1T\\2Z')"


def latest_timestamp(*expressions: str) -> str:
    """The latest of several timestamps (ISO 8601, UTC, ``Z``); NULL when none parses.

    Used where the contract needs a version cursor (``updated_at``) that an export lacks: the
    newest moment the export itself records for the row. That never runs ahead of the vendor's own
    ``updated_at``, so a row from an API load with a later version is never overwritten by it.
    """
    parsed = ", ".join(f"TRY_CAST({iso_timestamp(e)} AS TIMESTAMPTZ)" for e in expressions)
    return f"strftime(greatest({parsed}) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ')"


def utc_text(moment: datetime) -> str:
    """A moment as the ISO 8601 UTC text the contract accepts (``2024-05-01T10:00:00Z``)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def select(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    """Run a converter's SELECT over ``src``; the result as Arrow (row order as the SQL says)."""
    return con.sql(sql).to_arrow_table()


def contract_only(table: pa.Table, system: str, table_name: str) -> pa.Table:
    """``table`` without the columns the contract does not (yet) list.

    For converters that map every column a vendor export carries: what the contract lists lands,
    the rest waits until the contract adds it (each such module names those columns).
    """
    wanted = set(load_contracts()[system].table(table_name).column_names)
    return table.select([c for c in table.column_names if c in wanted])


def not_in_contract(columns: Iterable[str], system: str, table_name: str) -> list[str]:
    """Which of ``columns`` the contract of ``system``/``table_name`` does not list."""
    wanted = set(load_contracts()[system].table(table_name).column_names)
    return [c for c in columns if c not in wanted]
