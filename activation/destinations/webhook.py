"""Generic webhook: JSON batches, HMAC-signed, with an idempotency key per batch.

Each request is ``POST <url>`` with a JSON body::

    {"sync": "vip_to_crm", "op": "upsert" | "append" | "remove" | "erase",
     "batch_id": "<idempotency key>", "records": [{"key": ..., "customer_id": ..., "fields": {...}}]}

(``append`` records also carry ``trigger_id`` and ``triggered_at``; ``remove``/``erase`` records
carry only ``key`` and ``customer_id``.)

Headers: ``X-CDW-Timestamp`` (unix seconds), ``X-CDW-Signature: sha256=<hex>`` where the hex is
``HMAC-SHA256(secret, "<timestamp>.<raw body>")``, and ``Idempotency-Key: <batch_id>``. The batch id
is derived from the batch's content, so a batch re-sent after a crash or a timeout carries the same
key and a receiver can drop the duplicate. Receivers answer 2xx to accept (optionally
``{"rejected": [{"key": ..., "error": ...}]}`` for single records) or 400/413/422 to reject the
batch (optionally naming the bad keys the same way); 404/405/410 mean a wrong URL and stop the run.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from typing import Any

from activation.delivery import BatchRejected, FatalDestinationError, response_error
from activation.destinations.base import Destination
from activation.records import BatchResult, OutRecord, RemoveItem

DEFAULT_BATCH = 500
DEFAULT_MAX_BYTES = 1024 * 1024
SIGNATURE_HEADER = "X-CDW-Signature"
TIMESTAMP_HEADER = "X-CDW-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` signature of ``<timestamp>.<body>`` (what receivers recompute)."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


class WebhookDestination(Destination):
    type = "webhook"
    identity_rule = "none"
    api_limits = {"upsert": 10_000, "append": 10_000, "remove": 10_000, "erase": 10_000}

    def batch_size(self, op: str) -> int:
        configured = self.config.delivery.batch_size
        return max(1, configured or DEFAULT_BATCH)

    @property
    def max_bytes(self) -> int:  # type: ignore[override]
        return int(self.config.get("max_bytes") or DEFAULT_MAX_BYTES)

    def removal_payload(self, record: OutRecord) -> dict[str, Any]:
        return {"customer_id": record.customer_id}

    def _batch_id(self, op: str, parts: list[str]) -> str:
        return hashlib.sha256("\n".join([self.sync_name, op, *parts]).encode()).hexdigest()[:32]

    def _post(self, op: str, batch_id: str, records: list[dict[str, Any]], keys: list[str]) -> BatchResult:
        url = self.config.text("url")
        if not url:
            raise ValueError(f"destination {self.name}: url is required")
        body = json.dumps({"sync": self.sync_name, "op": op, "batch_id": batch_id, "records": records},
                          separators=(",", ":"), default=str).encode("utf-8")
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "Idempotency-Key": batch_id, TIMESTAMP_HEADER: timestamp,
                   SIGNATURE_HEADER: sign(self.config.secret("secret").get(), timestamp, body)}
        response = self.http.request("POST", url, data=body, headers=headers)
        named = _named_rejections(response)
        if 200 <= response.status_code < 300:
            return BatchResult(accepted=[k for k in keys if k not in named],
                               rejected={k: v for k, v in named.items() if k in keys})
        if response.status_code in (404, 405, 410):
            raise FatalDestinationError(f"webhook {self.name}: {response_error(response)}")
        raise BatchRejected(response_error(response), named)

    def _records(self, records: Sequence[OutRecord], with_trigger: bool) -> list[dict[str, Any]]:
        out = []
        for record in records:
            item: dict[str, Any] = {"key": record.key, "customer_id": record.customer_id, "fields": record.fields}
            if with_trigger:
                item["trigger_id"], item["triggered_at"] = record.trigger_id, record.triggered_at
            out.append(item)
        return out

    def upsert(self, records: Sequence[OutRecord]) -> BatchResult:
        keys = [r.key for r in records]
        batch_id = self._batch_id("upsert", [f"{r.key}:{r.fields_hash}" for r in records])
        return self._post("upsert", batch_id, self._records(records, False), keys)

    def append(self, records: Sequence[OutRecord]) -> BatchResult:
        keys = [r.key for r in records]
        batch_id = self._batch_id("append", keys)
        return self._post("append", batch_id, self._records(records, True), keys)

    def _removal(self, op: str, items: Sequence[RemoveItem]) -> BatchResult:
        keys = [i.key for i in items]
        records = [{"key": i.key, "customer_id": i.customer_id} for i in items]
        return self._post(op, self._batch_id(op, keys), records, keys)

    def remove(self, items: Sequence[RemoveItem]) -> BatchResult:
        return self._removal("remove", items)

    def erase(self, items: Sequence[RemoveItem]) -> BatchResult:
        return self._removal("erase", items)


def _named_rejections(response: Any) -> dict[str, str]:
    try:
        body = response.json()
    except ValueError:
        return {}
    rejected = body.get("rejected") if isinstance(body, dict) else None
    out: dict[str, str] = {}
    for item in rejected or []:
        if isinstance(item, dict) and item.get("key") is not None:
            out[str(item["key"])] = f"HTTP {response.status_code}: {item.get('error') or 'rejected'}"
    return out
