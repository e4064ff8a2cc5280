"""Meta Marketing API: Custom Audience users, added and removed as SHA-256 hashes.

API (``https://graph.facebook.com/v25.0``; the access token travels in the ``Authorization:
Bearer`` header, never in the URL):

* add: ``POST /{custom_audience_id}/users`` with ``payload = {"schema": ["EMAIL", "PHONE"],
  "data": [[email_sha256, phone_sha256], ...]}`` (multi-key match; an empty string where a key is
  unknown) and a ``session`` (``session_id``, ``batch_seq``, ``last_batch_flag``,
  ``estimated_num_total``). At most 10,000 people per request.
* remove / erase: ``DELETE /{custom_audience_id}/users`` with the same payload shape.

Raw identifiers never leave the warehouse: emails are trimmed and lowercased, phones reduced to
digits with country code (no ``+``), then hashed (:mod:`activation.hashing`). A session id is
derived from the batch, so a batch re-sent after a crash reuses its session. Graph API errors come
back as HTTP 400 with ``error.code``; throttling codes (4, 17, 32, 613, 80003, 80004) are retried
with backoff, 190 (invalid token) stops the run, others reject the batch.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from typing import Any

from activation.delivery import BatchRejected, FatalDestinationError, RetriesExhausted, response_error
from activation.destinations.base import Destination, split_valid
from activation.hashing import hashed_email, meta_hashed_phone
from activation.records import BatchResult, OutRecord, RemoveItem

log = logging.getLogger(__name__)

BASE_URL = "https://graph.facebook.com"
API_VERSION = "v25.0"
MAX_USERS_PER_REQUEST = 10_000
SCHEMA = ["EMAIL", "PHONE"]
THROTTLING_CODES = frozenset({4, 17, 32, 613, 80003, 80004})
INVALID_TOKEN = 190


class MetaDestination(Destination):
    type = "meta"
    identity_columns = ("email", "phone")
    identity_rule = "any"
    allowed_consents = ("ads",)
    supports_fields = False
    api_limits = {"upsert": MAX_USERS_PER_REQUEST, "append": MAX_USERS_PER_REQUEST,
                  "remove": MAX_USERS_PER_REQUEST, "erase": MAX_USERS_PER_REQUEST}

    @property
    def url(self) -> str:
        base = (self.config.text("base_url") or BASE_URL).rstrip("/")
        audience = self.config.text("audience_id")
        if not audience:
            raise ValueError(f"destination {self.name}: audience_id is required")
        return f"{base}/{self.config.text('api_version') or API_VERSION}/{audience}/users"

    def removal_payload(self, record: OutRecord) -> dict[str, Any]:
        return {"email_sha256": hashed_email(record.email), "phone_sha256": meta_hashed_phone(record.phone)}

    def _session(self, keys: Sequence[str], op: str) -> dict[str, Any]:
        digest = hashlib.sha256("\n".join([self.sync_name, op, *keys]).encode()).hexdigest()
        return {"session_id": int(digest[:15], 16), "batch_seq": 1, "last_batch_flag": True,
                "estimated_num_total": len(keys)}

    def _send(self, method: str, keys: list[str], rows: list[list[str]], op: str) -> BatchResult:
        form = {"payload": json.dumps({"schema": SCHEMA, "data": rows}),
                "session": json.dumps(self._session(keys, op))}
        headers = {"Authorization": f"Bearer {self.config.secret('access_token').get()}"}
        policy = self.http.policy
        for attempt in range(1, policy.max_attempts + 1):
            response = self.http.request(method, self.url, headers=headers, data=form)
            if response.status_code == 200:
                return self._accepted(keys, rows, response.json())
            error = _graph_error(response)
            if error.get("code") == INVALID_TOKEN:
                raise FatalDestinationError(f"{method} users: access token refused ({response_error(response)})")
            if error.get("code") not in THROTTLING_CODES:
                raise BatchRejected(response_error(response))
            self.http.stats.throttled += 1
            if attempt < policy.max_attempts:
                self.http.stats.retries += 1
                policy.sleep(policy.backoff(attempt))
        raise RetriesExhausted(f"{method} users: still throttled after {policy.max_attempts} attempts")

    @staticmethod
    def _accepted(keys: list[str], rows: list[list[str]], body: dict[str, Any]) -> BatchResult:
        result = BatchResult()
        invalid = body.get("num_invalid_entries") or 0
        samples = body.get("invalid_entry_samples") or {}
        named = {str(value) for value in (samples if isinstance(samples, dict | list) else [])}
        for key, row in zip(keys, rows, strict=True):
            if invalid and named.intersection(row):
                result.rejected[key] = "Meta counted this entry as invalid"
            else:
                result.accepted.append(key)
        if invalid and not result.rejected:
            log.warning("Meta reported %s invalid entries it did not name", invalid)
        return result

    @staticmethod
    def _row(email_hash: str | None, phone_hash: str | None) -> list[str]:
        return [email_hash or "", phone_hash or ""]

    def upsert(self, records: Sequence[OutRecord]) -> BatchResult:
        good, bad = split_valid(records, lambda r: None if (hashed_email(r.email) or meta_hashed_phone(r.phone))
                                else "no valid email or E.164 phone to hash")
        result = BatchResult(rejected=bad)
        if good:
            rows = [self._row(hashed_email(r.email), meta_hashed_phone(r.phone)) for r in good]
            result.merge(self._send("POST", [r.key for r in good], rows, "add"))
        return result

    def remove(self, items: Sequence[RemoveItem]) -> BatchResult:
        rows = [self._row(i.payload.get("email_sha256"), i.payload.get("phone_sha256")) for i in items]
        keep = [(i.key, row) for i, row in zip(items, rows, strict=True) if any(row)]
        result = BatchResult(accepted=[i.key for i, row in zip(items, rows, strict=True) if not any(row)])
        if keep:
            result.merge(self._send("DELETE", [k for k, _ in keep], [r for _, r in keep], "remove"))
        return result


def _graph_error(response: Any) -> dict[str, Any]:
    try:
        return (response.json() or {}).get("error") or {}
    except ValueError:
        return {}
