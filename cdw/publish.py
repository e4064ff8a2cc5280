"""Write-audit-publish: copy the validated build warehouse to the serving warehouse atomically.

The pipeline writes ``build.duckdb``; analysts and BI read ``serving.duckdb``. Publishing builds a
complete new serving file beside the old one and renames it into place, so a reader sees either
the previous published state or the new one, never a half-written file, and an open reader keeps
its snapshot. Every relation is copied as a table (staging views over raw data become tables), so
the serving file stands alone. It is written in an older storage format so BI tools that bundle
an older DuckDB can open it.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from cdw.settings import Paths

# DuckDB 1.1 and newer can read this storage version; duckdb 2.0 writes a newer one by default.
SERVING_STORAGE_VERSION = "v1.1.0"
# Schemas that never reach the serving copy: raw landing data, dlt's internal staging, and the
# reverse-ETL sync state (it holds the identifiers sent to each destination).
UNPUBLISHED_PREFIXES = ("raw_", "activation")
UNPUBLISHED_SUFFIXES = ("_staging",)


class PublishRefused(RuntimeError):
    """The run did not pass its blocking checks; the serving copy was left untouched."""


@dataclass
class PublishResult:
    serving_db: Path
    tables: dict[str, int] = field(default_factory=dict)  # "schema.table" -> rows
    seconds: float = 0.0
    published_at: str = ""


def publishable_relations(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    """(schema, name) of every table and view in the build warehouse that belongs in serving."""
    rows = con.execute(
        """
        select table_schema, table_name
        from information_schema.tables
        where table_catalog = ? and table_schema not in ('information_schema', 'pg_catalog', 'main')
        order by 1, 2
        """,
        [catalog],
    ).fetchall()
    return [
        (schema, name)
        for schema, name in rows
        if not schema.startswith(UNPUBLISHED_PREFIXES) and not schema.endswith(UNPUBLISHED_SUFFIXES)
        and not name.startswith("_dlt")
    ]


def publish(paths: Paths, blocking_failures: list[str], run_id: str) -> PublishResult:
    """Publish the build warehouse when no blocking check failed; otherwise refuse and say why."""
    if blocking_failures:
        shown = "; ".join(blocking_failures[:5])
        raise PublishRefused(
            f"not published: {len(blocking_failures)} blocking check(s) failed ({shown}). "
            f"The last good serving copy at {paths.serving_db} is unchanged; "
            "see `cdw status` and the audit.validation_results table."
        )
    started = time.perf_counter()
    staging_file = paths.serving_db.with_name(f".{paths.serving_db.name}.{os.getpid()}.tmp")
    staging_file.unlink(missing_ok=True)
    result = PublishResult(serving_db=paths.serving_db)
    # Not read-only: DuckDB shares one instance per file within a process (dbt may hold it open), and a
    # read-only connection could not attach the new serving file for writing. Nothing here writes the build.
    con = duckdb.connect(str(paths.build_db))
    try:
        catalog = con.execute("select current_database()").fetchall()[0][0]
        con.execute(f"attach '{staging_file}' as serving (storage_version '{SERVING_STORAGE_VERSION}')")
        for schema, name in publishable_relations(con, catalog):
            con.execute(f'create schema if not exists serving."{schema}"')
            con.execute(f'create table serving."{schema}"."{name}" as select * from "{catalog}"."{schema}"."{name}"')
            rows = con.execute(f'select count(*) from serving."{schema}"."{name}"').fetchone()[0]
            result.tables[f"{schema}.{name}"] = rows
        result.published_at = datetime.now(UTC).isoformat(timespec="seconds")
        con.execute("create schema if not exists serving.meta")
        con.execute(
            "create table serving.meta.publication as select ? as run_id, ?::timestamptz as published_at",
            [run_id, result.published_at],
        )
        con.execute("detach serving")
    except Exception:
        staging_file.unlink(missing_ok=True)
        raise
    finally:
        con.close()
    os.replace(staging_file, paths.serving_db)
    (paths.warehouse_dir / "publication.json").write_text(
        json.dumps({"run_id": run_id, "published_at": result.published_at, "tables": result.tables}, indent=2)
    )
    result.seconds = time.perf_counter() - started
    return result
