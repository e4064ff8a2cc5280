"""What the warehouse holds: row counts per table, file size. Used by the summary and `status`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.duckdb_files import connect_for_reading
from core.sql import quote_relation


@dataclass
class Inventory:
    """Rows per base table and the views per schema of one warehouse file."""

    tables: dict[str, int] = field(default_factory=dict)
    """``schema.table`` -> rows, base tables only."""
    views: dict[str, int] = field(default_factory=dict)
    """schema -> number of views whose rows are not counted: counting a view runs its whole query,
    and the staging and event views are the warehouse's most expensive reads."""


COUNTED_VIEW_SCHEMAS = ("marts", "analytics")
"""Views analysts read (``customer_value``) are counted like tables."""


def rows_are_counted(schema: str, table_type: str) -> bool:
    """Whether a relation's rows are counted: every table, and only the views analysts read."""
    return table_type != "VIEW" or schema in COUNTED_VIEW_SCHEMAS


def inventory(db: Path, exclude_internal: bool = True) -> Inventory:
    """Every table with its rows and every view, of ``db`` (empty when the file does not exist)."""
    found = Inventory()
    if not db.exists():
        return found
    con = connect_for_reading(db)
    try:
        rows = con.execute(
            """
            select table_schema, table_name, table_type from information_schema.tables
            where table_schema not in ('information_schema', 'pg_catalog')
            order by 1, 2
            """
        ).fetchall()
        for schema, name, kind in rows:
            if exclude_internal and (name.startswith("_dlt") or schema.endswith("_staging")):
                continue
            if not rows_are_counted(schema, kind):
                found.views[schema] = found.views.get(schema, 0) + 1
                continue
            relation = f"{schema}.{name}"
            found.tables[relation] = con.execute(f"select count(*) from {quote_relation(relation)}").fetchall()[0][0]
        return found
    finally:
        con.close()


def table_counts(db: Path, exclude_internal: bool = True) -> dict[str, int]:
    """``schema.table`` -> rows for every base table (views are left out: see ``Inventory.views``)."""
    return inventory(db, exclude_internal).tables


def human_size(path: Path) -> str:
    size = float(path.stat().st_size) if path.exists() else 0.0
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
