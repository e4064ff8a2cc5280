"""Mailchimp Marketing API: audience members upsert and archive.

API (``https://<dc>.api.mailchimp.com/3.0``, HTTP Basic auth with any user name and the API key;
the data centre is the key's suffix, e.g. ``-us21``):

* add/update: ``POST /lists/{list_id}`` (batch subscribe), up to 500 members per call, with
  ``update_existing: true``. Mailchimp answers 200 even when some members fail; those come back
  in ``errors`` (``email_address``, ``error``, ``error_code``) and are recorded as rejected.
  Mapped fields go to ``merge_fields`` (targets are merge tags such as ``FNAME``); a target named
  ``tags`` is sent as the member's tags.
* remove: ``DELETE /lists/{list_id}/members/{subscriber_hash}`` archives the member (one per call;
  the hash is the MD5 of the lowercased email). 404 means already gone.
* erase: ``POST /lists/{list_id}/members/{subscriber_hash}/actions/delete-permanent``.

Only people whose warehouse consent is ``consent_email = true`` (and not suppressed) are sent, so
the member status sent is ``subscribed`` (setting ``status``; ``transactional`` is the other
sensible choice). The warehouse's consent must include Mailchimp's own unsubscribes (they are
ingested), otherwise ``update_existing`` would resubscribe them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from activation.delivery import BatchRejected, response_error
from activation.destinations.base import Destination, split_valid
from activation.hashing import normalise_email
from activation.records import BatchResult, OutRecord, RemoveItem

MAX_MEMBERS_PER_BATCH = 500
STATUSES = ("subscribed", "transactional", "pending")


def subscriber_hash(email: str) -> str:
    """Mailchimp's member id: MD5 of the lowercased email."""
    return hashlib.md5(email.lower().encode("utf-8"), usedforsecurity=False).hexdigest()


class MailchimpDestination(Destination):
    type = "mailchimp"
    identity_columns = ("email",)
    identity_rule = "all"
    allowed_consents = ("email",)
    api_limits = {"upsert": MAX_MEMBERS_PER_BATCH, "append": MAX_MEMBERS_PER_BATCH, "remove": 1, "erase": 1}

    @property
    def base_url(self) -> str:
        configured = self.config.text("base_url")
        if configured:
            return configured.rstrip("/")
        server = self.config.text("server_prefix") or self.config.secret("api_key").get().rsplit("-", 1)[-1]
        return f"https://{server}.api.mailchimp.com/3.0"

    @property
    def list_id(self) -> str:
        list_id = self.config.text("list_id")
        if not list_id:
            raise ValueError(f"destination {self.name}: list_id is required")
        return list_id

    def _auth(self) -> tuple[str, str]:
        return ("cdw", self.config.secret("api_key").get())

    @property
    def status(self) -> str:
        status = self.config.text("status") or "subscribed"
        if status not in STATUSES:
            raise ValueError(f"destination {self.name}: status must be one of {STATUSES}")
        return status

    def _member(self, record: OutRecord) -> dict[str, Any]:
        member: dict[str, Any] = {"email_address": normalise_email(record.email), "status": self.status}
        merge_fields = {k: v for k, v in record.fields.items() if k != "tags"}
        if merge_fields:
            member["merge_fields"] = merge_fields
        if "tags" in record.fields and record.fields["tags"] is not None:
            tags = record.fields["tags"]
            member["tags"] = list(tags) if isinstance(tags, list | tuple) else [str(tags)]
        return member

    def upsert(self, records: Sequence[OutRecord]) -> BatchResult:
        good, bad = split_valid(records, lambda r: None if normalise_email(r.email) else "no valid email address")
        result = BatchResult(rejected=bad)
        if not good:
            return result
        body = {"members": [self._member(r) for r in good], "update_existing": True}
        response = self.http.request("POST", f"{self.base_url}/lists/{self.list_id}", auth=self._auth(),
                                     data=json.dumps(body, default=str),
                                     headers={"Content-Type": "application/json"})
        if response.status_code != 200:
            raise BatchRejected(response_error(response))
        errors = {}
        for error in response.json().get("errors") or []:
            email = normalise_email(error.get("email_address")) or str(error.get("email_address"))
            errors[email] = f"{error.get('error_code') or 'ERROR'}: {error.get('error') or 'rejected'}"
        for record in good:
            email = normalise_email(record.email) or ""
            if email in errors:
                result.rejected[record.key] = errors[email]
            else:
                result.accepted.append(record.key)
        return result

    def removal_payload(self, record: OutRecord) -> dict[str, Any]:
        return {"email": normalise_email(record.email)}

    def _member_call(self, method: str, items: Sequence[RemoveItem], suffix: str = "") -> BatchResult:
        result = BatchResult()
        for item in items:
            email = item.payload.get("email")
            if not email:
                result.accepted.append(item.key)
                continue
            url = f"{self.base_url}/lists/{self.list_id}/members/{subscriber_hash(email)}{suffix}"
            response = self.http.request(method, url, auth=self._auth())
            if response.status_code in (200, 204, 404):
                result.accepted.append(item.key)
            elif len(items) == 1:
                raise BatchRejected(response_error(response))
            else:
                result.rejected[item.key] = response_error(response)
        return result

    def remove(self, items: Sequence[RemoveItem]) -> BatchResult:
        return self._member_call("DELETE", items)

    def erase(self, items: Sequence[RemoveItem]) -> BatchResult:
        return self._member_call("POST", items, "/actions/delete-permanent")

    def estimate_requests(self, op: str, count: int) -> int:
        return count if op in ("remove", "erase") else super().estimate_requests(op, count)
