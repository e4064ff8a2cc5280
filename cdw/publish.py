"""Write-audit-publish: copy the validated build warehouse to the serving warehouse atomically.

The pipeline writes ``build.duckdb``; analysts and BI read ``serving.duckdb``. Publishing builds a
complete new serving file beside the old one and renames it into place, so a reader sees either
the previous published state or the new one, never a half-written file, and an open reader keeps
its snapshot. A run whose blocking checks failed is refused and the last good copy stays.

The serving file has three schemas:

* ``analytics``: every published relation as a table, without its personal columns (the PII
  classes the data dictionary's ``serving.analytics_excludes`` lists): what dashboards read;
  the published relations are the marts, the seeds (reference tables such as the event mapping)
  and the validation results: the interfaces analysts and BI use. Staging views and intermediate
  models are plumbing; they stay in the build warehouse (``cdw query --build --restricted`` reads them);
* ``restricted``: the full rows of every relation that has personal columns, for the few who may
  see them (grant access to this schema, or to a copy without it, by file);
* ``meta``: ``publication`` (run, time) and ``columns`` (every published column, its PII class and
  where it went).

Every relation becomes a table (a view over raw data too), so the file stands alone. It is
written in an older storage format so BI tools that bundle an older DuckDB can open it, and the
analytics schema can also be published as Parquet files (``parquet=True`` or
``CDW_PUBLISH_PARQUET=1``) under ``<warehouse>/parquet/<run_id>/``, with ``parquet/CURRENT`` naming
the published run (switched atomically after the serving file). Once there is an export, every
publish refreshes it (an erased person must not linger there); ``parquet=False`` removes it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from cdw.serving_docs import describe_serving
from core.dictionary import Dictionary, load_dictionary
from core.duckdb_files import connect_warehouse
from core.resources import duckdb_resources
from core.settings import Paths
from core.sql import literal, quote_identifier

# DuckDB 1.1 and newer can read this storage version; duckdb 2.0 writes a newer one by default.
SERVING_STORAGE_VERSION = "v1.1.0"
# Schemas of the build warehouse that reach the serving copy. Never raw landing data, dlt's
# internal staging, the reverse-ETL sync state (it holds the identifiers sent to each destination),
# nor dbt's staging views and intermediate models (copying them doubled the serving file and the
# publish time, and no analyst interface reads them).
PUBLISHED_SCHEMAS = ("marts", "seeds", "audit")
# Relations kept in the build warehouse only: privacy request bookkeeping, figures of past publishes.
UNPUBLISHED_RELATIONS = frozenset({"audit.privacy_requests", "audit.erased_subjects", "audit.published_metrics"})
ANALYTICS, RESTRICTED, META = "analytics", "restricted", "meta"
PARQUET_ENV = "CDW_PUBLISH_PARQUET"
# ``.serving.duckdb.<pid>.tmp``, ``.build.duckdb.<pid>.compact``, their ``.wal``, ``.CURRENT.<pid>.tmp``
STALE_FILE = re.compile(r"\..+\.(?P<pid>\d+)\.(tmp|compact)(\.wal)?")
SPILL_FILE = re.compile(r"duckdb_temp_(?P<pid>\d+)_.*")
"""What DuckDB spills to its temp directory (core/resources.py): blocks of whatever it was sorting."""


class PublishRefused(RuntimeError):
    """The run did not pass its blocking checks; the serving copy was left untouched."""


@dataclass
class PublishResult:
    serving_db: Path
    tables: dict[str, int] = field(default_factory=dict)  # "analytics.table" / "restricted.table" -> rows
    seconds: float = 0.0
    published_at: str = ""
    parquet_dir: Path | None = None


def publishable_relations(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    """(schema, name) of every table and view in the build warehouse that belongs in serving."""
    rows = con.execute(
        """
        select table_schema, table_name
        from information_schema.tables
        where table_catalog = ? and table_schema in (select unnest(?::varchar[]))
        order by 1, 2
        """,
        [catalog, list(PUBLISHED_SCHEMAS)],
    ).fetchall()
    return [(schema, name) for schema, name in rows if f"{schema}.{name}".lower() not in UNPUBLISHED_RELATIONS]


def serving_names(relations: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Name of each relation in the serving schemas: its own, or ``<schema>__<name>`` when two clash."""
    counts: dict[str, int] = {}
    for _, name in relations:
        counts[name] = counts.get(name, 0) + 1
    return {(schema, name): name if counts[name] == 1 else f"{schema}__{name}" for schema, name in relations}


_quote = quote_identifier


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, name: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_catalog = ? and table_schema = ? "
        "and table_name = ? order by ordinal_position", [catalog, schema, name]).fetchall()]


def _parquet_wanted(parquet: bool | None, root: Path) -> bool:
    """Explicit choice; else ``CDW_PUBLISH_PARQUET``; else keep an existing export in step with serving."""
    if parquet is not None:
        return parquet
    return os.environ.get(PARQUET_ENV, "").lower() in ("1", "true", "yes") or (root / "CURRENT").exists()


def _copy(con: duckdb.DuckDBPyConnection, catalog: str, dictionary: Dictionary, result: PublishResult) -> list:
    """Copy every relation into the attached ``serving`` file; returns the ``meta.columns`` rows."""
    relations = publishable_relations(con, catalog)
    names = serving_names(relations)
    for schema in (ANALYTICS, RESTRICTED, META):
        con.execute(f"create schema if not exists serving.{schema}")
    column_rows = []
    for schema, name in relations:
        source = f"{_quote(catalog)}.{_quote(schema)}.{_quote(name)}"
        target = names[(schema, name)]
        columns = _columns(con, catalog, schema, name)
        classes = {c: dictionary.pii_class(f"{schema}.{name}", c) for c in columns}
        safe = [c for c in columns if classes[c] not in dictionary.pii_policy.analytics_excludes]
        if safe:
            con.execute(f"create table serving.{ANALYTICS}.{_quote(target)} as "
                        f"select {', '.join(_quote(c) for c in safe)} from {source}")
            result.tables[f"{ANALYTICS}.{target}"] = con.execute(
                f"select count(*) from serving.{ANALYTICS}.{_quote(target)}").fetchone()[0]
        if len(safe) < len(columns):
            con.execute(f"create table serving.{RESTRICTED}.{_quote(target)} as select * from {source}")
            result.tables[f"{RESTRICTED}.{target}"] = con.execute(
                f"select count(*) from serving.{RESTRICTED}.{_quote(target)}").fetchone()[0]
        column_rows += [(target, f"{schema}.{name}", c, classes[c], c in safe, len(safe) < len(columns))
                        for c in columns]
    return column_rows


def _export_parquet(con: duckdb.DuckDBPyConnection, result: PublishResult, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for key in result.tables:
        schema, _, name = key.partition(".")
        if schema == ANALYTICS:
            target = str(folder / f"{name}.parquet")
            con.execute(f"copy serving.{ANALYTICS}.{_quote(name)} to {literal(target)} (format parquet)")


def _switch_parquet(root: Path, run_id: str) -> None:
    """Point ``CURRENT`` at the new export atomically, then remove older exports."""
    pointer = root / "CURRENT"
    staging = root / f".CURRENT.{os.getpid()}.tmp"
    staging.write_text(run_id + "\n")
    os.replace(staging, pointer)
    for folder in root.iterdir():
        if folder.is_dir() and folder.name != run_id:
            shutil.rmtree(folder, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


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
        if match and not _pid_alive(int(match.group("pid"))):
            stale.append(path)
    spill = duckdb_resources(paths.build_db).temp_directory
    for path in spill.glob("duckdb_temp_*") if spill.is_dir() else ():
        match = SPILL_FILE.fullmatch(path.name)
        if match and path.is_file() and not _pid_alive(int(match.group("pid"))):
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


def publish(paths: Paths, blocking_failures: list[str], run_id: str, parquet: bool | None = None) -> PublishResult:
    """Publish the build warehouse when no blocking check failed; otherwise refuse and say why.

    Work files of an earlier publish that crashed are removed first (:func:`clean_stale_publish_files`).
    """
    clean_stale_publish_files(paths)
    if blocking_failures:
        raise PublishRefused(refusal_message(paths, blocking_failures))
    started = time.perf_counter()
    dictionary = load_dictionary()
    staging_file = paths.serving_db.with_name(f".{paths.serving_db.name}.{os.getpid()}.tmp")
    staging_file.unlink(missing_ok=True)
    parquet_root = paths.warehouse_dir / "parquet"
    parquet_dir = parquet_root / run_id if _parquet_wanted(parquet, parquet_root) else None
    result = PublishResult(serving_db=paths.serving_db)
    # Not read-only: DuckDB shares one instance per file within a process (dbt may hold it open), and a
    # read-only connection could not attach the new serving file for writing. Nothing here writes the build.
    con = connect_warehouse(paths.build_db)
    try:
        catalog = con.execute("select current_database()").fetchall()[0][0]
        con.execute(f"attach '{staging_file}' as serving (storage_version '{SERVING_STORAGE_VERSION}')")
        column_rows = _copy(con, catalog, dictionary, result)
        result.published_at = datetime.now(UTC).isoformat(timespec="seconds")
        con.execute(
            f"create table serving.{META}.publication as select ? as run_id, ?::timestamptz as published_at",
            [run_id, result.published_at],
        )
        con.execute(f"create table serving.{META}.columns (relation varchar, source_relation varchar, "
                    "column_name varchar, pii_class varchar, in_analytics boolean, in_restricted boolean)")
        if column_rows:
            con.executemany(f"insert into serving.{META}.columns values (?, ?, ?, ?, ?, ?)", column_rows)
        describe_serving(con, "serving", paths, dictionary)  # comments from the dbt docs; counts as BIGINT
        if parquet_dir is not None:
            shutil.rmtree(parquet_dir, ignore_errors=True)
            _export_parquet(con, result, parquet_dir)
            result.parquet_dir = parquet_dir
        from expectations.degradation import record_published_metrics  # Great Expectations: import when used

        record_published_metrics(con, run_id, result.published_at)  # what the next run is compared with
        con.execute("detach serving")
    except Exception:
        staging_file.unlink(missing_ok=True)
        if parquet_dir is not None:
            shutil.rmtree(parquet_dir, ignore_errors=True)
        raise
    finally:
        con.close()
    os.replace(staging_file, paths.serving_db)
    if parquet_dir is not None:
        _switch_parquet(parquet_root, run_id)
    elif parquet is False and parquet_root.exists():
        shutil.rmtree(parquet_root, ignore_errors=True)  # never leave a stale export beside the new copy
    (paths.warehouse_dir / "publication.json").write_text(
        json.dumps({"run_id": run_id, "published_at": result.published_at, "tables": result.tables,
                    "parquet": str(parquet_dir) if parquet_dir else None}, indent=2)
    )
    result.seconds = time.perf_counter() - started
    return result
