"""Write-audit-publish: publish the validated build warehouse to the serving warehouse atomically.

The pipeline writes ``build.duckdb``; analysts and BI read ``serving.duckdb``. Publishing prepares a
complete new serving file beside the old one and renames it into place, so a reader sees either
the previous published state or the new one, never a half-written file, and an open reader keeps
its snapshot (the old file lives on for it). A run whose blocking checks failed is refused and the
last good copy stays.

The new file starts from a byte copy of the last one (``copy_file_range``: a reflink where the
filesystem has them), and only the tables whose content changed since the last publish are
rewritten: each table's content fingerprint, columns and name form a signature stored in
``meta.relations`` (:mod:`cdw.publish_plan`, :mod:`cdw.fingerprint`). A large changed table is
changed row by row instead, when few of its rows changed (:mod:`cdw.publish_delta`). Tables that no
longer exist are dropped. The file is written whole instead (:func:`cdw.publish_plan.full_rewrite_reason`) on
the first publish, after an erasure (the copy's free blocks would still hold the person), when too
much of it is free blocks (compaction), when the old file cannot be read, or when asked (``full=True``).

The serving file has three schemas:

* ``analytics``: every published relation as a table, without its personal columns (the PII
  classes the data dictionary's ``serving.analytics_excludes`` lists): what dashboards read;
  the published relations are the marts, the seeds (reference tables such as the event mapping)
  and the validation results: the interfaces analysts and BI use. Staging views and intermediate
  models are plumbing; they stay in the build warehouse (``cdw query --build --restricted`` reads them);
* ``restricted``: the full rows of every relation that has personal columns, for the few who may
  see them (grant access to this schema, or to a copy without it, by file). Each is a view of its
  analytics table joined by position to ``<name>__personal_columns``, the personal columns alone,
  so a row is stored once (:mod:`cdw.publish_plan`); a build view keeps a full restricted table;
* ``meta``: ``publication`` (run, time), ``columns`` (every published column, its PII class and
  where it went) and ``relations`` (every table, its rows, signature and the run that wrote it).

Every relation becomes a table (a view over raw data too), so the file stands alone. It is
written in an older storage format (``publish.storage_version``, DuckDB 1.3's by default) so BI
tools that bundle an older DuckDB can open it, and the analytics schema can also be published as
Parquet files (``parquet=True`` or ``CDW_PUBLISH_PARQUET=1``) under ``<warehouse>/parquet/<run_id>/``,
with ``parquet/CURRENT`` naming the published run (switched atomically after the serving file); a
table the publish kept is hard-linked from the previous export. Once there is an export, every
publish refreshes it (an erased person must not linger there); ``parquet=False`` removes it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from cdw.publish_delta import Part, patch
from cdw.publish_plan import (
    ANALYTICS,
    META,
    PERSONAL_SUFFIX,
    RESTRICTED,
    Changes,
    Plan,
    Previous,
    ServingTable,
    changes,
    full_rewrite_reason,
    plan_serving,
    read_previous,
)
from cdw.records import pid_alive
from cdw.serving_docs import describe_serving, narrow_hugeints
from cdw.serving_parquet import export_parquet, parquet_wanted, previous_export, switch_parquet
from core.config import warehouse_settings
from core.dictionary import load_dictionary
from core.duckdb_files import connect_warehouse, copy_file
from core.resources import duckdb_resources
from core.settings import Paths
from core.sql import literal, quote_identifier

SERVING = "serving"
"""The new serving file's name in the build warehouse's connection while it is written."""
FULL, INCREMENTAL = "full", "incremental"
COPY_WRITERS = 2
"""Tables written into the serving file at once (:func:`_copy_tables`)."""
_quote = quote_identifier
# ``.serving.duckdb.<pid>.tmp``, ``.build.duckdb.<pid>.compact``, their ``.wal``, ``.CURRENT.<pid>.tmp``
STALE_FILE = re.compile(r"\..+\.(?P<pid>\d+)\.(tmp|compact)(\.wal)?")
SPILL_FILE = re.compile(r"duckdb_temp_(?P<pid>\d+)_.*")
"""What DuckDB spills to its temp directory (core/resources.py): blocks of whatever it was sorting."""


class PublishRefused(RuntimeError):
    """The run did not pass its blocking checks; the serving copy was left untouched."""


@dataclass
class PublishResult:
    """What a publish wrote: every serving table and its rows, and which of them it rewrote or kept."""

    serving_db: Path
    tables: dict[str, int] = field(default_factory=dict)  # "analytics.table" / "restricted.table" -> rows
    seconds: float = 0.0
    published_at: str = ""
    parquet_dir: Path | None = None
    mode: str = FULL  # FULL: every table written anew; INCREMENTAL: started from a copy of the last file
    reason: str = ""  # why the file was written whole
    rewritten: list[str] = field(default_factory=list)  # tables written whole by this publish
    patched: dict[str, tuple[int, int]] = field(default_factory=dict)  # tables changed row by row: (deleted, inserted)
    declined: dict[str, str] = field(default_factory=dict)  # why a large changed table was written whole
    reused: list[str] = field(default_factory=list)  # tables kept as the last publish wrote them
    removed: list[str] = field(default_factory=list)  # tables of the last serving copy that are gone


@dataclass
class Written:
    """What :func:`_write_tables` did to the changed tables."""

    whole: list[ServingTable] = field(default_factory=list)
    patched: dict[str, tuple[int, int]] = field(default_factory=dict)  # "schema.name" -> (deleted, inserted)
    deleted_since_whole: dict[str, int] = field(default_factory=dict)  # "schema.name" -> rows, for meta.relations
    declined: dict[str, str] = field(default_factory=dict)


def _storage_version() -> str:
    """The serving file's storage version (``publish.storage_version``): the oldest DuckDB that opens it."""
    return warehouse_settings().publish.storage_version


def _attach(con: duckdb.DuckDBPyConnection, path: Path, *, new: bool = True) -> None:
    """``path`` as ``serving``: a new file in the configured storage version, or a copy in its own
    (DuckDB cannot lower an existing file's; :func:`cdw.publish_plan.full_rewrite_reason` compares)."""
    version = f" (storage_version {literal(_storage_version())})" if new else ""
    con.execute(f"attach {literal(str(path))} as {SERVING}{version}")


def _start_serving(con: duckdb.DuckDBPyConnection, paths: Paths, staging: Path, plan: Plan,
                   full: bool) -> tuple[Previous | None, str]:
    """Attach the new serving file as ``serving``: a copy of the last one when it can serve as a start.

    Returns what the copy holds (None for a fresh, empty file) and why the file is written whole.
    """
    wal = paths.serving_db.with_name(paths.serving_db.name + ".wal")
    if full:
        reason = "a full rewrite was asked for"
    elif not paths.serving_db.exists():
        reason = "no serving copy yet"
    elif wal.exists():
        reason = "a write-ahead log lies beside the serving copy (it was written outside a publish)"
    else:
        previous, reason = _copy_previous(con, paths.serving_db, staging, plan)
        if reason is None:
            return previous, ""
        with suppress(duckdb.Error):
            con.execute(f"detach database if exists {SERVING}")
        staging.unlink(missing_ok=True)
    _attach(con, staging)
    return None, reason


def _copy_previous(con: duckdb.DuckDBPyConnection, serving_db: Path, staging: Path,
                   plan: Plan) -> tuple[Previous | None, str | None]:
    """Copy the last serving file to ``staging``, attach it and read what it holds; a reason not to use it."""
    try:
        copy_file(serving_db, staging)
        _attach(con, staging, new=False)
        previous = read_previous(con, SERVING)
    except (duckdb.Error, OSError) as exc:  # a damaged or unreadable file must not block publishing
        first_line = (str(exc).splitlines() or [""])[0]
        return None, f"the serving copy could not be copied or read ({type(exc).__name__}: {first_line})"
    limit = warehouse_settings().publish.compact_free_share
    return previous, full_rewrite_reason(previous, plan, compact_free_share=limit, storage_version=_storage_version())


def _write_tables(con: duckdb.DuckDBPyConnection, catalog: str, todo: Changes,
                  previous: Previous | None) -> Written:
    """Drop what went, change the large changed tables row by row where a delta serves
    (:mod:`cdw.publish_delta`), then write the rest of what changed or is new, from the build warehouse ``catalog``.

    The restricted views are dropped first and made again by :func:`_write_views` once every table is in place.
    """
    for schema in (ANALYTICS, RESTRICTED, META):
        con.execute(f"create schema if not exists {SERVING}.{schema}")
    for (view,) in con.execute("select view_name from duckdb_views() where database_name = ? and schema_name = ? "
                               "and not internal", [SERVING, RESTRICTED]).fetchall():
        con.execute(f"drop view {SERVING}.{RESTRICTED}.{_quote(view)}")
    _drop(con, todo.drop)
    if todo.drop and todo.rewrite:  # the dropped tables' blocks become free for the new ones
        with suppress(duckdb.TransactionException):  # only a saving of space: the file is right either way
            con.execute(f"checkpoint {SERVING}")
    con.execute("set preserve_insertion_order = true")  # the two tables behind a restricted view pair by position
    written = _patch_tables(con, catalog, todo.patch, previous)
    written.whole = todo.rewrite + [t for t in todo.patch if t.key in written.declined]
    _drop(con, [t.key for t in todo.patch if t.key in written.declined])
    _copy_tables(con, catalog, written.whole)
    return written


def _copy_tables(con: duckdb.DuckDBPyConnection, catalog: str, tables: list[ServingTable]) -> None:
    """Write ``tables`` whole into the serving file, :data:`COPY_WRITERS` at a time, largest first.

    One table's copy keeps about one and a half cores busy (DuckDB's write of a table's row groups is
    partly serial); two at once used the machine fully and published a 200,000-customer warehouse's
    marts 13 % faster. Each writer has its own connection (cursor) to the same DuckDB instance.
    """
    def copy(table: ServingTable) -> None:
        source_schema, _, source_name = table.source.partition(".")
        source = ".".join(_quote(part) for part in (catalog, source_schema, source_name))
        columns = ", ".join(_quote(column) for column in table.columns)
        with con.cursor() as writer:
            writer.execute(f"create table {SERVING}.{table.schema}.{_quote(table.table_name)} as "
                           f"select {columns} from {source}")

    with ThreadPoolExecutor(COPY_WRITERS) as pool:
        for future in [pool.submit(copy, table) for table in sorted(tables, key=lambda t: -t.rows)]:
            future.result()


def _drop(con: duckdb.DuckDBPyConnection, keys: list[str]) -> None:
    """Drop the serving tables ``keys`` ("schema.name"), and the personal columns' table of each."""
    tables = {f"{schema}.{name}" for schema, name in con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ?", [SERVING]).fetchall()}
    for key in keys:
        for table in (key, key + PERSONAL_SUFFIX):
            if table in tables:
                schema, _, name = table.partition(".")
                con.execute(f"drop table {SERVING}.{_quote(schema)}.{_quote(name)}")


def _patch_tables(con: duckdb.DuckDBPyConnection, catalog: str, tables: list[ServingTable],
                  previous: Previous | None) -> Written:
    """Change ``tables`` row by row; the ones whose delta declines are named with the reason."""
    written = Written()
    max_deleted_share = warehouse_settings().publish.patch_max_deleted_share
    deleted_before = previous.deleted if previous else {}
    by_source: dict[str, list[ServingTable]] = {}
    for table in tables:
        by_source.setdefault(table.source, []).append(table)
    for source, group in by_source.items():
        restricted = next((t for t in group if t.view_columns), None)
        if restricted is not None:  # the analytics table and its personal columns, paired by position
            analytics = next(t for t in group if t.schema == ANALYTICS)
            units = [([analytics, restricted], [Part(ANALYTICS, analytics.table_name, analytics.columns),
                                                Part(RESTRICTED, restricted.table_name, restricted.columns)],
                      restricted.view_columns)]
        else:
            units = [([t], [Part(t.schema, t.table_name, t.columns)], t.columns) for t in group]
        for unit, parts, every in units:
            before = max(deleted_before.get(t.key, 0) for t in unit)
            done = patch(con, SERVING, (catalog, *source.split(".", 1)), parts, every, deleted_before=before,
                         max_deleted_share=max_deleted_share)
            for table in unit:
                if done.declined:
                    written.declined[table.key] = done.declined
                else:
                    written.patched[table.key] = (done.deleted, done.inserted)
                    written.deleted_since_whole[table.key] = before + done.deleted
    return written


def _write_views(con: duckdb.DuckDBPyConnection, plan: Plan) -> None:
    """``restricted.<name>``: the analytics table beside its personal columns, row for row (after
    :func:`cdw.serving_docs.narrow_hugeints`: a view keeps the column types it was made with)."""
    analytics = {table.name: table for table in plan.tables if table.schema == ANALYTICS}
    for table in plan.tables:
        if not table.view_columns:
            continue
        pair = f"{SERVING}.{ANALYTICS}.{_quote(table.name)}", f"{SERVING}.{RESTRICTED}.{_quote(table.table_name)}"
        counts = [con.execute(f"select count(*) from {side}").fetchall()[0][0] for side in pair]
        if counts[0] != counts[1]:  # never pair rows of different builds
            raise RuntimeError(f"restricted.{table.name}: {counts[0]} analytics rows but {counts[1]} personal rows")
        con.execute(f"create view {SERVING}.{RESTRICTED}.{_quote(table.name)} as "
                    f"{table.view_sql(analytics[table.name].columns)}")


def _write_meta(con: duckdb.DuckDBPyConnection, run_id: str, published_at: str, plan: Plan,
                previous: Previous | None, todo: Changes, written: Written) -> None:
    """``meta.publication``, ``meta.columns`` and ``meta.relations`` (the signatures the next publish reads)."""
    meta = f"{SERVING}.{META}"
    con.execute(f"create or replace table {meta}.publication as select ? as run_id, ?::timestamptz as published_at, "
                "? as storage_version, ? as erasures",
                [run_id, published_at, _storage_version(), plan.erasures])
    con.execute(f"create or replace table {meta}.columns (relation varchar, source_relation varchar, "
                "column_name varchar, pii_class varchar, in_analytics boolean, in_restricted boolean)")
    _insert_columns(con, f"{meta}.columns", ["varchar", "varchar", "varchar", "varchar", "boolean", "boolean"],
                    plan.column_rows)
    con.execute(f"create or replace table {meta}.relations (schema_name varchar, table_name varchar, "
                "source_relation varchar, row_count bigint, signature varchar, written_by varchar, "
                "deleted_rows bigint)")
    comment = ("rows deleted from the table by row-by-row publishes since it was last written whole: "
               "they keep their place in the file until then")
    con.execute(f"comment on column {meta}.relations.deleted_rows is {literal(comment)}")
    written_by = previous.written_by if previous else {}
    kept_deleted = previous.deleted if previous else {}
    reused = {table.key for table in todo.reuse}
    deleted = {**{key: kept_deleted.get(key, 0) for key in reused}, **written.deleted_since_whole}
    rows = [(t.schema, t.name, t.source, t.rows, t.signature, written_by.get(t.key, run_id) if t.key in reused
             else run_id, deleted.get(t.key, 0)) for t in plan.tables]
    _insert_columns(con, f"{meta}.relations",
                    ["varchar", "varchar", "varchar", "bigint", "varchar", "varchar", "bigint"], rows)


def _insert_columns(con: duckdb.DuckDBPyConnection, table: str, types: list[str], rows: list[tuple]) -> None:
    """Insert ``rows`` in one statement (column lists unnested): ``executemany`` takes a statement per row."""
    if not rows:
        return
    unnested = ", ".join(f"unnest(?::{kind}[])" for kind in types)
    con.execute(f"insert into {table} select {unnested}", [list(column) for column in zip(*rows, strict=True)])


def _report(result: PublishResult, plan: Plan, todo: Changes, written: Written) -> None:
    result.tables = {table.key: table.rows for table in plan.tables}
    result.rewritten = [table.key for table in written.whole]
    result.patched = written.patched
    result.declined = written.declined
    result.reused = [table.key for table in todo.reuse]
    result.removed = sorted(set(todo.drop) - set(result.rewritten))


def stale_publish_files(paths: Paths) -> list[Path]:
    """Work files a crashed publish or compaction left in the warehouse folder (their writer is gone).

    ``.serving.duckdb.<pid>.tmp`` (and its ``.wal``), ``.<name>.<pid>.compact`` (and its ``.wal``),
    ``parquet/.CURRENT.<pid>.tmp`` and DuckDB's spilled blocks (``duckdb_temp_<pid>_*`` in the spill
    folder): copies of warehouse data, personal data included. A file whose process still runs is
    someone's work in progress and is left alone.
    """
    folder = paths.warehouse_dir
    if not folder.is_dir():
        return []
    candidates = list(folder.glob(".*.tmp")) + list(folder.glob(".*.tmp.wal")) + list(folder.glob(".*.compact")) \
        + list(folder.glob(".*.compact.wal")) + list((folder / "parquet").glob(".CURRENT.*.tmp"))
    stale = []
    for path in candidates:
        match = STALE_FILE.fullmatch(path.name)
        if match and not pid_alive(int(match.group("pid"))):
            stale.append(path)
    spill = duckdb_resources(paths.build_db).temp_directory
    for path in spill.glob("duckdb_temp_*") if spill.is_dir() else ():
        match = SPILL_FILE.fullmatch(path.name)
        if match and path.is_file() and not pid_alive(int(match.group("pid"))):
            stale.append(path)
    return sorted(stale)


def clean_stale_publish_files(paths: Paths) -> list[Path]:
    """Delete what :func:`stale_publish_files` finds; returns the files removed (call at every start)."""
    removed = []
    for path in stale_publish_files(paths):
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(path)
    return removed


ERASED_PERSON_FAMILY = "privacy.no_erased_person"


def refusal_message(paths: Paths, blocking_failures: list[str]) -> str:
    """Why nothing was published, and, when an erased person came back, that the erasure must run again."""
    shown = "; ".join(blocking_failures[:5])
    message = (f"not published: {len(blocking_failures)} blocking check(s) failed ({shown}). "
               f"The last good serving copy at {paths.serving_db} is unchanged; "
               "see `cdw status` and the audit.validation_results table.")
    if any(ERASED_PERSON_FAMILY in failure for failure in blocking_failures):
        message += (" An erased person is back (from a vendor export, a landing file or an API pull that still "
                    "holds them): run the erasure again with the identifier used before "
                    "(`cdw privacy erase --email ... --yes`; `cdw privacy log` lists past requests), then publish.")
    return message


def publish(paths: Paths, blocking_failures: list[str], run_id: str, parquet: bool | None = None,
            *, full: bool = False) -> PublishResult:
    """Publish the build warehouse when no blocking check failed; otherwise refuse and say why.

    The new serving file starts from a copy of the last one, and only the tables whose content,
    columns or name changed are rewritten (see :mod:`cdw.publish_plan`); ``full=True`` writes every
    table anew. Work files of an earlier publish that crashed are removed first
    (:func:`clean_stale_publish_files`).
    """
    clean_stale_publish_files(paths)
    if blocking_failures:
        raise PublishRefused(refusal_message(paths, blocking_failures))
    started = time.perf_counter()
    dictionary = load_dictionary()
    staging_file = paths.serving_db.with_name(f".{paths.serving_db.name}.{os.getpid()}.tmp")
    staging_file.unlink(missing_ok=True)
    parquet_root = paths.warehouse_dir / "parquet"
    parquet_dir = parquet_root / run_id if parquet_wanted(parquet, parquet_root) else None
    result = PublishResult(serving_db=paths.serving_db)
    # Not read-only: DuckDB shares one instance per file within a process (dbt may hold it open), and a
    # read-only connection could not attach the new serving file for writing. Nothing here writes the build.
    con = connect_warehouse(paths.build_db)
    try:
        catalog = con.execute("select current_database()").fetchall()[0][0]
        plan = plan_serving(con, catalog, dictionary)
        previous, result.reason = _start_serving(con, paths, staging_file, plan, full)
        result.mode = FULL if previous is None else INCREMENTAL
        todo = changes(plan, previous, warehouse_settings().publish.patch_min_rows)
        written = _write_tables(con, catalog, todo, previous)
        narrow_hugeints(con, SERVING)
        _write_views(con, plan)
        _report(result, plan, todo, written)
        result.published_at = datetime.now(UTC).isoformat(timespec="seconds")
        _write_meta(con, run_id, result.published_at, plan, previous, todo, written)
        describe_serving(con, SERVING, paths, dictionary)  # comments from the dbt docs; counts as BIGINT
        if parquet_dir is not None:
            reuse_from = previous_export(parquet_root, previous.run_id if previous else None, parquet_dir)
            shutil.rmtree(parquet_dir, ignore_errors=True)
            export_parquet(con, SERVING, result.tables, set(result.reused), parquet_dir, reuse_from)
            result.parquet_dir = parquet_dir
        from expectations.degradation import record_published_metrics  # Great Expectations: import when used

        record_published_metrics(con, run_id, result.published_at)  # what the next run is compared with
        con.execute(f"detach {SERVING}")
    except Exception:
        with suppress(duckdb.Error):
            con.execute(f"detach database if exists {SERVING}")
        staging_file.unlink(missing_ok=True)
        staging_file.with_name(staging_file.name + ".wal").unlink(missing_ok=True)
        if parquet_dir is not None:
            shutil.rmtree(parquet_dir, ignore_errors=True)
        raise
    finally:
        con.close()
    os.replace(staging_file, paths.serving_db)
    if parquet_dir is not None:
        switch_parquet(parquet_root, run_id)
    elif parquet is False and parquet_root.exists():
        shutil.rmtree(parquet_root, ignore_errors=True)  # never leave a stale export beside the new copy
    (paths.warehouse_dir / "publication.json").write_text(
        json.dumps({"run_id": run_id, "published_at": result.published_at, "tables": result.tables,
                    "mode": result.mode, "reason": result.reason, "rewritten": result.rewritten,
                    "patched": {key: {"deleted": d, "inserted": i} for key, (d, i) in result.patched.items()},
                    "declined": result.declined, "removed": result.removed,
                    "parquet": str(parquet_dir) if parquet_dir else None}, indent=2)
    )
    result.seconds = time.perf_counter() - started
    return result
