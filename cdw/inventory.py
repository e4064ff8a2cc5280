"""What the warehouse holds: row counts per table, file size. Used by the summary and `status`."""

from __future__ import annotations

from pathlib import Path

from core.duckdb_files import connect_for_reading
from core.sql import quote_relation


def table_counts(db: Path, exclude_internal: bool = True) -> dict[str, int]:
    """``schema.table`` -> rows for every base table (views are counted too)."""
    if not db.exists():
        return {}
    con = connect_for_reading(db)
    try:
        rows = con.execute(
            """
            select table_schema, table_name from information_schema.tables
            where table_schema not in ('information_schema', 'pg_catalog')
            order by 1, 2
            """
        ).fetchall()
        counts = {}
        for schema, name in rows:
            if exclude_internal and (name.startswith("_dlt") or schema.endswith("_staging")):
                continue
            relation = f"{schema}.{name}"
            counts[relation] = con.execute(f"select count(*) from {quote_relation(relation)}").fetchall()[0][0]
        return counts
    finally:
        con.close()


def human_size(path: Path) -> str:
    size = float(path.stat().st_size) if path.exists() else 0.0
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
