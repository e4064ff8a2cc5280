"""The values that flow from the diff to a destination and back.

* :class:`OutRecord`: one person (or trigger event) to add or update, with the mapped fields, the
  raw identifiers the destination may need (it hashes them itself where required) and the consent
  facts the send-time guard checks again.
* :class:`RemoveItem`: one person to remove or erase, described by what the destination was sent
  (the ``payload`` stored in sync state: an email, or SHA-256 hashes for ad platforms).
* :class:`BatchResult`: which keys a destination accepted and which it rejected, with its error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class OutRecord:
    key: str                 # customer_id, or trigger_id for trigger audiences
    customer_id: str
    email: str | None
    phone: str | None
    fields: dict[str, Any]   # destination field -> value (nulls already removed unless send_nulls)
    consent: bool | None     # the consent flag the sync requires (None when the sync requires none)
    suppressed: bool | None
    fields_hash: str = ""
    identity_hash: str = ""
    fields_json: str = "{}"
    trigger_id: str | None = None
    triggered_at: str | None = None
    erased: bool = False


@dataclass(frozen=True)
class RemoveItem:
    key: str                 # record key in sync state (or deletion id for erasures)
    customer_id: str
    payload: dict[str, Any]  # what the destination needs to find the person again


@dataclass
class BatchResult:
    accepted: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)

    def merge(self, other: BatchResult) -> BatchResult:
        self.accepted.extend(other.accepted)
        self.rejected.update(other.rejected)
        return self
