"""Run syncs: erasures first, then governance gate, diff, plan, and delivery batch by batch.

The Python API Dagster and the CLI call:

* :func:`run_sync` (one sync, one destination client) and :func:`run_all` (every configured sync,
  clients built from configuration) return :class:`SyncRunResult`, whose ``as_metadata()`` is
  ready to be attached as Dagster asset metadata.

What a run guarantees:

* Only what the destination accepted advances ``activation.sync_state``, committed per request
  (so a crash loses nothing, and nothing accepted is sent again by the next run). Rejected records
  go to ``activation.sync_failures`` with the destination's error and are retried next run.
* Every record is checked by the consent guard right before it is handed to the destination.
* A dry run computes and stores the plan (counts, request estimate, samples) and calls nothing.
* Every run, dry or not, is recorded in ``activation.sync_runs``.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import duckdb
import requests

from activation import diff
from activation.config import ActivationConfig, SyncConfig
from activation.consent import guard
from activation.credentials import MissingSecretError, redact
from activation.delivery import DeliveryError, chunk, send_isolating
from activation.destinations import Destination, build_destination
from activation.erasure import pending_deletions
from activation.governance import check_governance
from activation.records import BatchResult, OutRecord, RemoveItem
from activation.state import (
    AcceptedRow,
    ensure_schema,
    mark_crashed_runs,
    now,
    open_failure_keys,
    record_failures,
    record_removals,
    record_upserts,
    transaction,
    write_plan,
    write_run,
)

log = logging.getLogger(__name__)

DESTINATION_OP = {"remove": "remove", "update": "upsert", "add": "upsert", "append": "append"}
SEND_ORDER = ("remove", "update", "add", "append")
OK_STATUSES = ("success", "noop", "dry_run")


@dataclass
class SyncRunResult:
    """What one run planned and did. ``status``: success, partial, noop, dry_run, refused, failed."""

    run_id: str
    sync_name: str
    destination: str
    destination_type: str
    mode: str
    dry_run: bool
    status: str = "running"
    planned: dict[str, int] = field(default_factory=lambda: {"adds": 0, "updates": 0, "removes": 0,
                                                             "deletions": 0})
    requests_estimate: int = 0
    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    retried: int = 0
    blocked: int = 0
    requests: int = 0
    http_retries: int = 0
    started_at: datetime = field(default_factory=now)
    finished_at: datetime | None = None
    duration_s: float = 0.0
    error: str | None = None
    governance: str = ""
    samples: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status in OK_STATUSES

    def as_metadata(self) -> dict[str, Any]:
        """Flat, JSON-friendly figures for Dagster asset metadata (``MaterializeResult(metadata=...)``)."""
        return {
            "run_id": self.run_id, "sync": self.sync_name, "destination": self.destination,
            "status": self.status, "dry_run": self.dry_run,
            "planned_adds": self.planned["adds"], "planned_updates": self.planned["updates"],
            "planned_removes": self.planned["removes"], "planned_deletions": self.planned["deletions"],
            "requests_estimate": self.requests_estimate, "sent": self.sent, "accepted": self.accepted,
            "rejected": self.rejected, "retried": self.retried, "blocked_by_consent": self.blocked,
            "requests": self.requests, "http_retries": self.http_retries,
            "duration_s": round(self.duration_s, 3), "error": self.error or "",
        }

    def _row(self) -> dict[str, Any]:
        values = asdict(self)
        values.update({f"planned_{k}": v for k, v in self.planned.items()})
        return values


@dataclass
class RunHooks:
    """Extension points; ``after_batch(op, batch_number)`` runs after each committed batch."""

    after_batch: Callable[[str, int], None] | None = None


def _record(row: dict[str, Any], sync: SyncConfig) -> OutRecord:
    fields = json.loads(row["fields_json"] or "{}")
    clears = {f.target for f in sync.fields if f.send_nulls}
    fields = {k: v for k, v in fields.items() if v is not None or k in clears}
    return OutRecord(key=row["record_key"], customer_id=row["customer_id"], email=row["email"], phone=row["phone"],
                     fields=fields, consent=row["consent"], suppressed=row["suppressed"],
                     fields_hash=row["fields_hash"] or "", identity_hash=row["identity_hash"] or "",
                     fields_json=row["fields_json"] or "{}", trigger_id=row["trigger_id"],
                     triggered_at=row["triggered_at"])


class _Run:
    """The mutable work of one run: sending, committing, counting."""

    def __init__(self, con: duckdb.DuckDBPyConnection, sync: SyncConfig, destination: Destination,
                 result: SyncRunResult, hooks: RunHooks) -> None:
        self.con, self.sync, self.destination, self.result, self.hooks = con, sync, destination, result, hooks
        self.retry_keys = open_failure_keys(con, sync.name)
        self.sent_keys: set[str] = set()
        self.failed_removals: set[str] = set()
        self.batches = 0

    def _sent(self, keys: Iterable[str]) -> None:
        for key in keys:
            if key not in self.sent_keys:
                self.sent_keys.add(key)
                self.result.sent += 1
                self.result.retried += key in self.retry_keys

    def _after_batch(self, op: str) -> None:
        self.batches += 1
        if self.hooks.after_batch:
            self.hooks.after_batch(op, self.batches)

    # ------------------------------------------------------------------ erasures
    def erasures(self) -> None:
        items = [RemoveItem(key=d, customer_id=c, payload=json.loads(p) if p else {})
                 for d, c, p in pending_deletions(self.con, self.sync.name)]
        by_key = {i.key: i for i in items}

        def commit(outcome: BatchResult) -> None:
            with transaction(self.con):
                done = [by_key[k] for k in outcome.accepted]
                for item in done:
                    self.con.execute("update activation.deletion_queue set status = 'done', sent_at = ?, "
                                     "payload = null, error = null, attempts = attempts + 1 where deletion_id = ?",
                                     [now(), item.key])
                    self.con.execute("delete from activation.sync_state where sync_name = ? and customer_id = ?",
                                     [self.sync.name, item.customer_id])
                for key, error in outcome.rejected.items():
                    self.con.execute("update activation.deletion_queue set attempts = attempts + 1, error = ? "
                                     "where deletion_id = ?", [redact(error), key])
            self.result.accepted += len(outcome.accepted)
            self.result.rejected += len(outcome.rejected)

        size = self.destination.batch_size("erase")
        for start in range(0, len(items), size):
            batch = items[start:start + size]
            self._sent(i.key for i in batch)
            send_isolating(batch, self.destination.erase, lambda i: i.key, commit)
            self._after_batch("erase")

    # ------------------------------------------------------------------ plan rows
    def removals(self, rows: list[dict[str, Any]]) -> None:
        items = [RemoveItem(key=r["record_key"], customer_id=r["customer_id"],
                            payload=json.loads(r["remove_payload"]) if r["remove_payload"] else {}) for r in rows]
        hashes = {r["record_key"]: (r["fields_hash"], r["identity_hash"]) for r in rows}
        by_key = {i.key: i for i in items}

        def commit(outcome: BatchResult) -> None:
            with transaction(self.con):
                record_removals(self.con, self.sync.name, outcome.accepted)
                failures = [(k, by_key[k].customer_id, *hashes[k], e) for k, e in outcome.rejected.items()]
                record_failures(self.con, self.sync.name, self.result.run_id, "remove", failures,
                                self.sync.max_record_attempts)
            self.failed_removals.update(outcome.rejected)
            self.result.accepted += len(outcome.accepted)
            self.result.rejected += len(outcome.rejected)

        self._sent(by_key)
        send_isolating(items, self.destination.remove, lambda i: i.key, commit)

    def upserts(self, op: str, rows: list[dict[str, Any]]) -> None:
        records = [_record(r, self.sync) for r in rows
                   if not (r["reason"] == "identity_changed" and r["record_key"] in self.failed_removals)]
        allowed, blocked = guard(records, self.sync.consent)
        self.result.blocked += len(blocked)
        by_key = {r.key: r for r in allowed}
        dest_op = DESTINATION_OP[op]
        send = self.destination.append if dest_op == "append" else self.destination.upsert

        def commit(outcome: BatchResult) -> None:
            accepted = [by_key[k] for k in outcome.accepted]
            rows_ = [AcceptedRow(r.key, r.customer_id, r.identity_hash, r.fields_hash, r.fields_json,
                                 json.dumps(self.destination.removal_payload(r), sort_keys=True))
                     for r in accepted]
            with transaction(self.con):
                record_upserts(self.con, self.sync.name, self.destination.name, self.result.run_id, rows_)
                record_failures(self.con, self.sync.name, self.result.run_id, dest_op,
                                [(k, by_key[k].customer_id, by_key[k].fields_hash, by_key[k].identity_hash, e)
                                 for k, e in outcome.rejected.items()], self.sync.max_record_attempts)
            self.result.accepted += len(accepted)
            self.result.rejected += len(outcome.rejected)

        for batch in chunk(allowed, self.destination.batch_size(dest_op), self.destination.max_bytes,
                           self.destination.record_size):
            self._sent(r.key for r in batch)
            send_isolating(batch, send, lambda r: r.key, commit)

    def execute(self, plan: diff.Plan) -> None:
        for op in SEND_ORDER:
            if op not in plan.ranges:
                continue
            first, last = plan.ranges[op]
            size = self.destination.batch_size(DESTINATION_OP[op])
            for start in range(first, last + 1, size):
                rows = diff.fetch(self.con, start, min(start + size - 1, last))
                if op == "remove":
                    self.removals(rows)
                else:
                    self.upserts(op, rows)
                self._after_batch(op)


def _finish(con: duckdb.DuckDBPyConnection, result: SyncRunResult, started: float, destination: Destination,
            requests_before: int, retries_before: int) -> SyncRunResult:
    result.requests = destination.stats.requests - requests_before
    result.http_retries = destination.stats.retries - retries_before
    result.finished_at = now()
    result.duration_s = time.perf_counter() - started
    result.error = redact(result.error)
    write_run(con, result._row())
    return result


def run_sync(con: duckdb.DuckDBPyConnection, sync: SyncConfig, destination: Destination, *, dry_run: bool = False,
             hooks: RunHooks | None = None, as_of: datetime | None = None) -> SyncRunResult:
    """Run (or, with ``dry_run``, only plan) one sync against one destination client.

    ``con`` is a read-write connection to the build warehouse. Returns the run's
    :class:`SyncRunResult`; the same figures are stored in ``activation.sync_runs``. Failures of
    configuration, governance, the audience or the destination are reported in the result
    (``status`` and ``error``), not raised.
    """
    ensure_schema(con)
    mark_crashed_runs(con, sync.name)
    hooks = hooks or RunHooks()
    run_id = uuid.uuid4().hex
    result = SyncRunResult(run_id=run_id, sync_name=sync.name, destination=destination.name,
                           destination_type=destination.type, mode=sync.mode, dry_run=dry_run)
    started = time.perf_counter()
    requests_before, retries_before = destination.stats.requests, destination.stats.retries
    write_run(con, result._row())
    destination.bind(sync.name, run_id)
    work = _Run(con, sync, destination, result, hooks)
    problems = destination.validate_sync(sync)
    if sync.destination != destination.name:
        problems.append(f"sync {sync.name} is configured for destination {sync.destination}, "
                        f"not {destination.name}")
    if problems:
        result.status, result.error = "failed", "; ".join(problems)
        return _finish(con, result, started, destination, requests_before, retries_before)

    deletions = pending_deletions(con, sync.name)
    result.planned["deletions"] = len(deletions)
    try:
        if deletions and not dry_run:
            work.erasures()
        governance = check_governance(con, sync.relation, required=sync.require_governance_check)
        result.governance = governance.reason
        if not governance.ok and not dry_run:
            result.status, result.error = "refused", f"governance check failed: {governance.reason}"
            log.error("sync %s refused: %s", sync.name, governance.reason)
            return _finish(con, result, started, destination, requests_before, retries_before)
        plan = diff.build_plan(con, sync, destination, as_of=as_of)
        result.planned.update(plan.summary)
        result.requests_estimate = sum(destination.estimate_requests(DESTINATION_OP[op], n)
                                       for op, n in plan.counts.items())
        result.requests_estimate += destination.estimate_requests("erase", len(deletions))
        result.samples = diff.samples(con, plan)
        write_plan(con, run_id, sync.name, destination.name, dry_run, result.planned, result.requests_estimate,
                   governance.reason, result.samples)
        if dry_run:
            result.status = "dry_run"
            return _finish(con, result, started, destination, requests_before, retries_before)
        work.execute(plan)
    except diff.AudienceError as exc:
        result.status, result.error = "failed", str(exc)
    except (DeliveryError, MissingSecretError, ValueError, KeyError, duckdb.Error, requests.RequestException) as exc:
        result.status, result.error = "failed", f"{type(exc).__name__}: {exc}"
        log.error("sync %s stopped: %s", sync.name, redact(str(exc)))
    else:
        nothing = not any(result.planned.values())
        result.status = ("noop" if nothing else
                         "partial" if (result.rejected or result.blocked) else "success")
    return _finish(con, result, started, destination, requests_before, retries_before)


def run_all(con: duckdb.DuckDBPyConnection, config: ActivationConfig, *, only: str | None = None,
            dry_run: bool = False, clients: Mapping[str, Destination] | None = None,
            hooks: RunHooks | None = None, sleep: Callable[[float], None] | None = None,
            as_of: datetime | None = None) -> list[SyncRunResult]:
    """Run every configured sync (or only ``only``), in file order, one destination client per destination.

    ``clients`` may supply ready-made clients by destination name (tests, or a Dagster resource);
    the others are built from configuration and closed at the end.
    """
    syncs = [config.sync(only)] if only else list(config.syncs.values())
    provided = dict(clients or {})
    built: dict[str, Destination] = {}
    results = []
    try:
        for sync in syncs:
            client = provided.get(sync.destination) or built.get(sync.destination)
            if client is None:
                client = built[sync.destination] = build_destination(config.destination_for(sync), sleep=sleep)
            results.append(run_sync(con, sync, client, dry_run=dry_run, hooks=hooks, as_of=as_of))
    finally:
        for client in built.values():
            client.close()
    return results
