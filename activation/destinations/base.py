"""What every destination provides, and the plumbing they share.

A destination is a small class around one vendor API. It declares who it identifies people by
(``identity_columns``), the consents it accepts, its API's batch limits, and implements four
operations on batches: ``upsert`` (add or update members), ``append`` (trigger events; defaults to
``upsert``), ``remove`` (a person left the audience) and ``erase`` (a privacy erasure; defaults to
``remove``). Each returns a :class:`~activation.records.BatchResult` or raises
:class:`~activation.delivery.BatchRejected` so the caller can isolate bad records.

``removal_payload`` says what to keep in sync state to find the person again later (an email for
an email tool, SHA-256 hashes for an ad platform), because someone who left the audience may no
longer be in the warehouse's audience relation when the removal is sent.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import requests

from activation.config import DestinationConfig, SyncConfig
from activation.delivery import DeliveryStats, HttpClient, RetryPolicy, json_size
from activation.records import BatchResult, OutRecord, RemoveItem

OPS = ("upsert", "append", "remove", "erase")


class Destination(abc.ABC):
    """Base class of the destination clients (see the module docstring)."""

    type: ClassVar[str]
    identity_columns: ClassVar[tuple[str, ...]] = ()
    identity_rule: ClassVar[str] = "none"          # 'any' | 'all' | 'none' of identity_columns
    allowed_consents: ClassVar[tuple[str, ...]] = ("email", "sms", "ads", "none")
    supports_fields: ClassVar[bool] = True
    api_limits: ClassVar[dict[str, int]] = {}       # op -> most records one request may carry
    max_bytes: ClassVar[int | None] = None          # most payload bytes one request may carry

    def __init__(self, config: DestinationConfig, *, sleep: Callable[[float], None] | None = None,
                 session: requests.Session | None = None) -> None:
        self.config = config
        self.name = config.name
        self.http = HttpClient(RetryPolicy.from_settings(config.delivery, sleep), session)
        self.sync_name = ""
        self.run_id = ""

    # ----------------------------------------------------------------------------- set-up
    def bind(self, sync_name: str, run_id: str) -> None:
        """Tell the client which sync and run it sends for (used in payloads and file names)."""
        self.sync_name, self.run_id = sync_name, run_id

    @property
    def stats(self) -> DeliveryStats:
        return self.http.stats

    def batch_size(self, op: str) -> int:
        """Records per request for ``op``: the configured size, never above the API's limit."""
        limit = self.api_limits.get(op) or self.api_limits.get("upsert") or 1000
        configured = self.config.delivery.batch_size
        return max(1, min(limit, configured) if configured else limit)

    def identity_requirement(self, sync: SyncConfig) -> tuple[str, tuple[str, ...]]:
        """('any'|'all'|'none', columns) a row needs to be sendable. SMS syncs need a phone."""
        if sync.consent == "sms" and "phone" in self.identity_columns:
            return "all", ("phone",)
        return self.identity_rule, self.identity_columns

    def validate_sync(self, sync: SyncConfig) -> list[str]:
        """Reasons this destination cannot serve ``sync`` (empty when it can)."""
        problems = []
        if sync.consent not in self.allowed_consents:
            problems.append(f"{self.type} destinations need consent one of {self.allowed_consents}, "
                            f"sync {sync.name} requires {sync.consent!r}")
        if sync.fields and not self.supports_fields:
            problems.append(f"{self.type} receives hashed identifiers only; remove the field mapping of "
                            f"sync {sync.name}")
        return problems

    def estimate_requests(self, op: str, count: int) -> int:
        """Requests ``count`` records of ``op`` would take (for dry-run plans)."""
        return math.ceil(count / self.batch_size(op)) if count else 0

    def record_size(self, record: OutRecord) -> int:
        return json_size(record.fields) + 200

    # ----------------------------------------------------------------------------- operations
    @abc.abstractmethod
    def upsert(self, records: Sequence[OutRecord]) -> BatchResult:
        """Add or update these people."""

    def append(self, records: Sequence[OutRecord]) -> BatchResult:
        """Send these trigger events (default: the same call as ``upsert``)."""
        return self.upsert(records)

    @abc.abstractmethod
    def remove(self, items: Sequence[RemoveItem]) -> BatchResult:
        """Remove these people from the audience/list."""

    def erase(self, items: Sequence[RemoveItem]) -> BatchResult:
        """Privacy erasure (default: remove from the audience)."""
        return self.remove(items)

    @abc.abstractmethod
    def removal_payload(self, record: OutRecord) -> dict[str, Any]:
        """What to keep in sync state to remove this person later."""

    def close(self) -> None:
        self.http.close()


def split_valid(records: Sequence[OutRecord], check: Callable[[OutRecord], str | None]
                ) -> tuple[list[OutRecord], dict[str, str]]:
    """Records that pass ``check`` and {key: reason} for those that do not (never sent)."""
    good: list[OutRecord] = []
    bad: dict[str, str] = {}
    for record in records:
        problem = check(record)
        if problem:
            bad[record.key] = problem
        else:
            good.append(record)
    return good, bad
