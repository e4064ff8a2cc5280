"""The warehouse's memory of what each destination was sent: tables and the writes that keep them.

Tables in the ``activation`` schema of the build warehouse:

* ``sync_state``: per sync and record (customer, or trigger event): hashes of the identity and of
  the mapped fields last *accepted* by the destination, the fields as sent (for plans that show
  old -> new), and the payload needed to remove the person later. Written only for what the
  destination accepted, one transaction per batch.
* ``sync_runs``: one row per run: planned/sent/accepted/rejected/retried/blocked, requests, status,
  duration, error.
* ``sync_failures``: records a destination rejected, with its (redacted) error and attempt count.
  They are retried by later runs; after ``max_record_attempts`` a record is ``dead`` until its data
  changes.
* ``sync_plans``: every plan (dry run or real): counts, request estimate and samples.
* ``deletion_queue``: privacy erasures to send, one per person and sync that reached them; a row
  also works as a tombstone so an erased person is never sent again.

No credential is ever written here (see :mod:`activation.credentials`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from activation.credentials import redact

SCHEMA = "activation"

DDL = [
    f"create schema if not exists {SCHEMA}",
    f"""
    create table if not exists {SCHEMA}.sync_state (
        sync_name varchar not null,
        record_key varchar not null,
        customer_id varchar not null,
        destination varchar not null,
        identity_hash varchar,
        fields_hash varchar,
        fields_json varchar,
        remove_payload varchar,
        run_id varchar,
        synced_at timestamptz
    )
    """,
    f"""
    create table if not exists {SCHEMA}.sync_runs (
        run_id varchar primary key,
        sync_name varchar not null,
        destination varchar,
        destination_type varchar,
        mode varchar,
        dry_run boolean,
        status varchar,
        started_at timestamptz,
        finished_at timestamptz,
        duration_s double,
        planned_adds bigint default 0,
        planned_updates bigint default 0,
        planned_removes bigint default 0,
        planned_deletions bigint default 0,
        requests_estimate bigint default 0,
        sent bigint default 0,
        accepted bigint default 0,
        rejected bigint default 0,
        retried bigint default 0,
        blocked bigint default 0,
        requests bigint default 0,
        http_retries bigint default 0,
        error varchar
    )
    """,
    f"""
    create table if not exists {SCHEMA}.sync_failures (
        sync_name varchar not null,
        record_key varchar not null,
        customer_id varchar,
        op varchar,
        fields_hash varchar,
        identity_hash varchar,
        error varchar,
        attempts integer,
        status varchar,
        first_failed_at timestamptz,
        last_failed_at timestamptz,
        run_id varchar
    )
    """,
    f"""
    create table if not exists {SCHEMA}.sync_plans (
        run_id varchar,
        sync_name varchar,
        destination varchar,
        created_at timestamptz,
        dry_run boolean,
        adds bigint,
        updates bigint,
        removes bigint,
        deletions bigint,
        requests_estimate bigint,
        governance varchar,
        samples varchar
    )
    """,
    f"""
    create table if not exists {SCHEMA}.deletion_queue (
        deletion_id varchar,
        customer_id varchar not null,
        sync_name varchar,
        destination varchar,
        payload varchar,
        status varchar,
        attempts integer default 0,
        requested_at timestamptz,
        sent_at timestamptz,
        error varchar
    )
    """,
]


def now() -> datetime:
    return datetime.now(UTC)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the activation tables if they do not exist (idempotent)."""
    for statement in DDL:
        con.execute(statement)


class transaction:  # noqa: N801 - used as a statement-like context manager
    """``with transaction(con):`` commits on success and rolls back on any exception."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        self.con.execute("begin transaction")
        return self.con

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.con.execute("commit" if exc_type is None else "rollback")


@dataclass(frozen=True)
class AcceptedRow:
    """A record the destination accepted: what to remember about it."""

    record_key: str
    customer_id: str
    identity_hash: str | None
    fields_hash: str | None
    fields_json: str | None
    remove_payload: str | None


def _arrow(rows: Sequence[AcceptedRow]) -> pa.Table:
    return pa.table({
        "record_key": pa.array([r.record_key for r in rows], pa.string()),
        "customer_id": pa.array([r.customer_id for r in rows], pa.string()),
        "identity_hash": pa.array([r.identity_hash for r in rows], pa.string()),
        "fields_hash": pa.array([r.fields_hash for r in rows], pa.string()),
        "fields_json": pa.array([r.fields_json for r in rows], pa.string()),
        "remove_payload": pa.array([r.remove_payload for r in rows], pa.string()),
    })


def record_upserts(con: duckdb.DuckDBPyConnection, sync_name: str, destination: str, run_id: str,
                   rows: Sequence[AcceptedRow]) -> None:
    """Remember accepted adds/updates (replacing older state) and close their failures. Caller commits."""
    if not rows:
        return
    con.register("_act_accepted", _arrow(rows))
    try:
        con.execute(f"delete from {SCHEMA}.sync_state where sync_name = ? and record_key in "
                    "(select record_key from _act_accepted)", [sync_name])
        con.execute(
            f"""
            insert into {SCHEMA}.sync_state
            select ?, record_key, customer_id, ?, identity_hash, fields_hash, fields_json, remove_payload, ?, ?
            from _act_accepted
            """,
            [sync_name, destination, run_id, now()],
        )
        con.execute(f"update {SCHEMA}.sync_failures set status = 'resolved' where sync_name = ? and status <> "
                    "'resolved' and record_key in (select record_key from _act_accepted)", [sync_name])
    finally:
        con.unregister("_act_accepted")


def record_removals(con: duckdb.DuckDBPyConnection, sync_name: str, keys: Sequence[str]) -> None:
    """Forget accepted removals. Caller commits."""
    if not keys:
        return
    con.register("_act_removed", pa.table({"record_key": pa.array(list(keys), pa.string())}))
    try:
        con.execute(f"delete from {SCHEMA}.sync_state where sync_name = ? and record_key in "
                    "(select record_key from _act_removed)", [sync_name])
        con.execute(f"update {SCHEMA}.sync_failures set status = 'resolved' where sync_name = ? and op = 'remove' "
                    "and status <> 'resolved' and record_key in (select record_key from _act_removed)", [sync_name])
    finally:
        con.unregister("_act_removed")


def record_failures(con: duckdb.DuckDBPyConnection, sync_name: str, run_id: str, op: str,
                    failures: Sequence[tuple[str, str, str | None, str | None, str]], max_attempts: int) -> None:
    """Store rejected records as (record_key, customer_id, fields_hash, identity_hash, error). Caller commits.

    A record keeps one open row whose attempt count grows; it becomes ``dead`` after
    ``max_attempts`` and stays out of plans until its data (fields or identifiers) changes.
    """
    stamp = now()
    same = ("sync_name = ? and record_key = ? and op = ? and status in ('open', 'dead') "
            "and fields_hash is not distinct from ? and identity_hash is not distinct from ?")
    for record_key, customer_id, fields_hash, identity_hash, error in failures:
        error = redact(error) or ""
        key = [sync_name, record_key, op, fields_hash, identity_hash]
        current = con.execute(f"select attempts from {SCHEMA}.sync_failures where {same}", key).fetchone()
        if current is None:
            con.execute(f"update {SCHEMA}.sync_failures set status = 'resolved' where sync_name = ? and "
                        "record_key = ? and op = ? and status <> 'resolved'", [sync_name, record_key, op])
            status = "dead" if max_attempts <= 1 else "open"
            con.execute(f"insert into {SCHEMA}.sync_failures values (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
                        [sync_name, record_key, customer_id, op, fields_hash, identity_hash, error, status, stamp,
                         stamp, run_id])
        else:
            attempts = int(current[0]) + 1
            con.execute(
                f"update {SCHEMA}.sync_failures set attempts = ?, error = ?, last_failed_at = ?, run_id = ?, "
                f"status = ? where {same}",
                [attempts, error, stamp, run_id, "dead" if attempts >= max_attempts else "open", *key],
            )


def open_failure_keys(con: duckdb.DuckDBPyConnection, sync_name: str) -> set[str]:
    rows = con.execute(f"select distinct record_key from {SCHEMA}.sync_failures where sync_name = ? "
                       "and status = 'open'", [sync_name]).fetchall()
    return {r[0] for r in rows}


def mark_crashed_runs(con: duckdb.DuckDBPyConnection, sync_name: str) -> int:
    """Runs of ``sync_name`` still 'running' died without finishing: say so."""
    count = con.execute(f"select count(*) from {SCHEMA}.sync_runs where sync_name = ? and status = 'running'",
                        [sync_name]).fetchone()[0]
    if count:
        con.execute(f"update {SCHEMA}.sync_runs set status = 'crashed', error = coalesce(error, "
                    "'the run stopped before finishing; its accepted batches were kept') "
                    "where sync_name = ? and status = 'running'", [sync_name])
    return int(count)


RUN_COLUMNS = ("run_id", "sync_name", "destination", "destination_type", "mode", "dry_run", "status", "started_at",
               "finished_at", "duration_s", "planned_adds", "planned_updates", "planned_removes",
               "planned_deletions", "requests_estimate", "sent", "accepted", "rejected", "retried", "blocked",
               "requests", "http_retries", "error")


def write_run(con: duckdb.DuckDBPyConnection, values: dict[str, Any]) -> None:
    """Insert or replace the ``sync_runs`` row of ``values['run_id']``."""
    row = [values.get(c) for c in RUN_COLUMNS]
    row[RUN_COLUMNS.index("error")] = redact(values.get("error"))
    con.execute(f"delete from {SCHEMA}.sync_runs where run_id = ?", [values["run_id"]])
    con.execute(f"insert into {SCHEMA}.sync_runs ({', '.join(RUN_COLUMNS)}) values "
                f"({', '.join('?' * len(RUN_COLUMNS))})", row)


def write_plan(con: duckdb.DuckDBPyConnection, run_id: str, sync_name: str, destination: str, dry_run: bool,
               counts: dict[str, int], requests_estimate: int, governance: str, samples: dict[str, Any]) -> None:
    con.execute(
        f"insert into {SCHEMA}.sync_plans values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, sync_name, destination, now(), dry_run, counts.get("adds", 0), counts.get("updates", 0),
         counts.get("removes", 0), counts.get("deletions", 0), requests_estimate, redact(governance),
         json.dumps(samples, default=str)],
    )


def history(con: duckdb.DuckDBPyConnection, sync_name: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """The newest ``limit`` runs (of one sync, or all), newest first."""
    where = "where sync_name = ?" if sync_name else ""
    params: list[Any] = [sync_name] if sync_name else []
    cursor = con.execute(f"select {', '.join(RUN_COLUMNS)} from {SCHEMA}.sync_runs {where} "
                         f"order by started_at desc limit {int(limit)}", params)
    return [dict(zip(RUN_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
