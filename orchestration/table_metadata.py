"""Row counts, last update and a masked preview of warehouse relations, as Dagster metadata.

Read after the step that wrote the relation has released the warehouse (DuckDB allows one
writing process), on the connection the step already holds or a fresh read-only one.
"""

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from cdw.inventory import rows_are_counted
from core.duckdb_files import connect_for_reading
from core.sql import quote_identifier
from orchestration.ownership import pii_columns

PREVIEW_ROWS = 5
PREVIEW_COLUMNS = 14
CELL_WIDTH = 40
LOADED_AT_COLUMN = "_cdw_loaded_at"
LAST_UPDATED_KEY = "dagster/last_updated_timestamp"
ROW_COUNT_KEY = "dagster/row_count"


def mask(value: object) -> str:
    """Keep the shape of a personal value, not the value: ``jane@gmail.com`` -> ``j***@g***``."""
    text = str(value)
    if "@" in text:
        local, _, domain = text.partition("@")
        return f"{local[:1]}***@{domain[:1]}***"
    return f"{text[:1]}***" if text else text


def _cell(value: object, masked: bool) -> str:
    if value is None:
        return ""
    text = mask(value) if masked and not isinstance(value, bool) else str(value)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= CELL_WIDTH else text[: CELL_WIDTH - 1] + "…"


def preview_markdown(columns: list[str], rows: Iterable[tuple], masked: set[str], hidden: int = 0) -> str:
    """A markdown table; PII columns masked and marked with a trailing ``*``."""
    header = [f"{c}*" if c in masked else c for c in columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(v, c in masked) for c, v in zip(columns, row, strict=True)) + " |"
              for row in rows]
    notes = []
    if masked:
        notes.append("\\* personal data, masked")
    if hidden:
        notes.append(f"{hidden} more column(s) not shown")
    return "\n".join(lines + ([f"\n_{'; '.join(notes)}_"] if notes else []))


def relation_columns(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[str]:
    rows = con.execute("select column_name from information_schema.columns where table_schema = ? and "
                       "table_name = ? order by ordinal_position", [schema, name]).fetchall()
    return [r[0] for r in rows]


def relation_exists(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    schema, _, name = relation.rpartition(".")
    found = con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                        [schema or "main", name]).fetchall()
    return bool(found[0][0])


def _is_uncounted_view(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    found = con.execute("select table_type from information_schema.tables where table_schema = ? and table_name = ?",
                        [schema, name]).fetchall()
    return bool(found) and not rows_are_counted(schema, found[0][0])


def relation_metadata(con: duckdb.DuckDBPyConnection, relation: str, preview: bool = True) -> dict[str, object]:
    """``dagster/row_count``, a masked preview and, for raw tables, when rows last landed.

    A staging or intermediate view gets neither count nor preview: either would run the view's
    whole query (a dedup window over a raw table) for metadata nobody asked for.
    """
    schema, _, name = relation.rpartition(".")
    schema = schema or "main"
    columns = relation_columns(con, schema, name)
    if not columns:
        return {}
    if _is_uncounted_view(con, schema, name):
        return {"dagster/column_count": dg.MetadataValue.int(len(columns))}
    quoted = f"{quote_identifier(schema)}.{quote_identifier(name)}"
    metadata: dict[str, object] = {}
    if LOADED_AT_COLUMN in columns:
        loaded_at = quote_identifier(LOADED_AT_COLUMN)
        count, last = con.execute(f"select count(*), max({loaded_at}) from {quoted}").fetchall()[0]
        if isinstance(last, datetime):
            last = last if last.tzinfo else last.replace(tzinfo=UTC)  # naive timestamps are UTC here
            metadata[LAST_UPDATED_KEY] = dg.MetadataValue.timestamp(last)
    else:
        count = con.execute(f"select count(*) from {quoted}").fetchall()[0][0]
    metadata[ROW_COUNT_KEY] = dg.MetadataValue.int(int(count))
    if preview:
        shown = [c for c in columns if not c.startswith(("_dlt", "_cdw"))][:PREVIEW_COLUMNS]
        hidden = len([c for c in columns if not c.startswith(("_dlt", "_cdw"))]) - len(shown)
        select = ", ".join(quote_identifier(c) for c in shown)
        rows = con.execute(f"select {select} from {quoted} limit {PREVIEW_ROWS}").fetchall()
        metadata["preview"] = dg.MetadataValue.md(preview_markdown(shown, rows, pii_columns(shown), hidden))
    return metadata


def read_metadata(database: Path, relations: dict[dg.AssetKey, str], *,
                  shared: bool = False) -> dict[dg.AssetKey, dict[str, object]]:
    """Metadata for many relations on one connection; relations that do not exist are left out.

    The connection is read-only, unless ``shared``: then it joins the database instance this
    process writes through (the command line's mirror reads while dbt runs in the same process;
    DuckDB refuses a read-write open of a file this process already holds read-only).
    """
    if not database.is_file() or not relations:
        return {}
    out: dict[dg.AssetKey, dict[str, object]] = {}
    with (duckdb.connect(str(database)) if shared else connect_for_reading(database)) as con:
        for key, relation in relations.items():
            try:
                found = relation_metadata(con, relation)
            except duckdb.Error:
                continue  # e.g. a view whose upstream failed to build
            if found:
                out[key] = found
    return out
