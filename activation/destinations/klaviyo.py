"""Klaviyo: list membership and profile properties through the bulk profile import API.

API (revision header ``2026-04-15``, JSON:API bodies, ``Authorization: Klaviyo-API-Key <key>``):

* add/update: ``POST /api/profile-bulk-import-jobs`` (type ``profile-bulk-import-job``): up to
  10,000 profiles and 5 MB per job, upserted and added to the list given in
  ``relationships.lists``. Accepted with 202; the job runs asynchronously. A 400 names invalid
  records by JSON pointer (``/data/attributes/profiles/data/<i>/...``), which isolates them.
  Bulk import never clears a field with null, which matches the "nulls never overwrite" rule.
* optional consent: with ``subscribe: email`` (or ``sms``) the same people are also sent to
  ``POST /api/profile-subscription-bulk-create-jobs`` (type ``profile-subscription-bulk-create-job``,
  up to 1,000 profiles per job) with ``subscriptions.<channel>.marketing.consent = SUBSCRIBED``,
  so Klaviyo records the consent the warehouse holds. Only consented people are ever sent.
* remove: profiles are found by ``GET /api/profiles?filter=any(email,[...])`` (100 per page) and
  removed with ``DELETE /api/lists/{id}/relationships/profiles`` (up to 1,000 ids). Removing from a
  list does not change the person's consent in Klaviyo.
* erase: ``POST /api/data-privacy-deletion-jobs``, one profile per request.

Settings: ``api_key`` (reference), ``list_id``, optional ``base_url``, ``revision``,
``use_external_id`` (send ``customer_id`` as ``external_id``; default true), ``subscribe``
(``email`` or ``sms``: also record marketing consent through bulk subscription jobs).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any

from activation.delivery import BatchRejected, response_error
from activation.destinations.base import Destination, split_valid
from activation.hashing import normalise_email, normalise_phone
from activation.records import BatchResult, OutRecord, RemoveItem

BASE_URL = "https://a.klaviyo.com"
REVISION = "2026-04-15"
MAX_PROFILES_PER_JOB = 10_000
MAX_JOB_BYTES = 5 * 1024 * 1024
MAX_LIST_REMOVALS = 1_000
MAX_PROFILES_PER_SUBSCRIPTION_JOB = 1_000
SUBSCRIBE_CHANNELS = ("email", "sms")
LOOKUP_PAGE_SIZE = 100
JSONAPI = "application/vnd.api+json"
# Profile attributes Klaviyo knows; any other mapped field becomes a custom property.
STANDARD_ATTRIBUTES = frozenset({"email", "phone_number", "external_id", "first_name", "last_name",
                                 "organization", "title", "image", "locale"})
POINTER = re.compile(r"^/data/attributes/profiles/data/(\d+)(/|$)")


class KlaviyoDestination(Destination):
    type = "klaviyo"
    identity_columns = ("email", "phone")
    identity_rule = "any"
    allowed_consents = ("email", "sms")
    api_limits = {"upsert": MAX_PROFILES_PER_JOB, "append": MAX_PROFILES_PER_JOB,
                  "remove": MAX_LIST_REMOVALS, "erase": 1}
    max_bytes = MAX_JOB_BYTES - 64 * 1024  # headroom for the envelope

    @property
    def base_url(self) -> str:
        return (self.config.text("base_url") or BASE_URL).rstrip("/")

    @property
    def list_id(self) -> str:
        list_id = self.config.text("list_id")
        if not list_id:
            raise ValueError(f"destination {self.name}: list_id is required")
        return list_id

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Klaviyo-API-Key {self.config.secret('api_key').get()}",
                "revision": self.config.text("revision") or REVISION,
                "Accept": JSONAPI, "Content-Type": JSONAPI}

    # ------------------------------------------------------------------ add / update
    def _profile(self, record: OutRecord) -> dict[str, Any]:
        attributes: dict[str, Any] = {}
        properties: dict[str, Any] = {}
        location: dict[str, Any] = {}
        email, phone = normalise_email(record.email), normalise_phone(record.phone)
        if email:
            attributes["email"] = email
        if phone:
            attributes["phone_number"] = phone
        if self.config.get("use_external_id", True):
            attributes["external_id"] = record.customer_id
        for target, value in record.fields.items():
            if target.startswith("properties."):
                properties[target.removeprefix("properties.")] = value
            elif target.startswith("location."):
                location[target.removeprefix("location.")] = value
            elif target in STANDARD_ATTRIBUTES:
                if target not in ("email", "phone_number"):
                    attributes[target] = value
            else:
                properties[target] = value
        if record.trigger_id:
            properties.setdefault("cdw_trigger_id", record.trigger_id)
            if record.triggered_at:
                properties.setdefault("cdw_triggered_at", record.triggered_at)
        if location:
            attributes["location"] = location
        if properties:
            attributes["properties"] = properties
        return {"type": "profile", "attributes": attributes}

    @staticmethod
    def _check(record: OutRecord) -> str | None:
        if normalise_email(record.email) or normalise_phone(record.phone):
            return None
        return "no valid email or E.164 phone to identify the profile"

    def record_size(self, record: OutRecord) -> int:
        return len(json.dumps(self._profile(record), default=str)) + 2

    def upsert(self, records: Sequence[OutRecord]) -> BatchResult:
        good, bad = split_valid(records, self._check)
        result = BatchResult(rejected=bad)
        if not good:
            return result
        body = {"data": {"type": "profile-bulk-import-job",
                         "attributes": {"profiles": {"data": [self._profile(r) for r in good]}},
                         "relationships": {"lists": {"data": [{"type": "list", "id": self.list_id}]}}}}
        response = self.http.request("POST", f"{self.base_url}/api/profile-bulk-import-jobs",
                                     headers=self._headers(), data=json.dumps(body, default=str))
        if response.status_code not in (200, 201, 202):
            raise BatchRejected(response_error(response), _pointed_records(response, good))
        channel = self.config.text("subscribe")
        if channel:
            self._subscribe(channel, good)
        result.accepted.extend(r.key for r in good)
        return result

    def _subscribe(self, channel: str, records: Sequence[OutRecord]) -> None:
        """Record marketing consent for ``records`` (already consented in the warehouse)."""
        if channel not in SUBSCRIBE_CHANNELS:
            raise ValueError(f"destination {self.name}: subscribe must be one of {SUBSCRIBE_CHANNELS}")
        for start in range(0, len(records), MAX_PROFILES_PER_SUBSCRIPTION_JOB):
            chunk = [r for r in records[start:start + MAX_PROFILES_PER_SUBSCRIPTION_JOB]
                     if (normalise_email(r.email) if channel == "email" else normalise_phone(r.phone))]
            if not chunk:
                continue
            profiles = []
            for record in chunk:
                attributes: dict[str, Any] = {"subscriptions": {channel: {"marketing": {"consent": "SUBSCRIBED"}}}}
                if normalise_email(record.email):
                    attributes["email"] = normalise_email(record.email)
                if normalise_phone(record.phone):
                    attributes["phone_number"] = normalise_phone(record.phone)
                profiles.append({"type": "profile", "attributes": attributes})
            body = {"data": {"type": "profile-subscription-bulk-create-job",
                             "attributes": {"custom_source": "customer-warehouse", "historical_import": False,
                                            "profiles": {"data": profiles}},
                             "relationships": {"list": {"data": {"type": "list", "id": self.list_id}}}}}
            response = self.http.request("POST", f"{self.base_url}/api/profile-subscription-bulk-create-jobs",
                                         headers=self._headers(), data=json.dumps(body))
            if response.status_code not in (200, 201, 202):
                raise BatchRejected(response_error(response), _pointed_records(response, chunk))

    # ------------------------------------------------------------------ remove / erase
    def removal_payload(self, record: OutRecord) -> dict[str, Any]:
        return {"email": normalise_email(record.email), "phone": normalise_phone(record.phone)}

    def _lookup(self, attribute: str, values: list[str]) -> dict[str, str]:
        """{value: profile id} for profiles whose ``attribute`` is one of ``values``."""
        found: dict[str, str] = {}
        for start in range(0, len(values), LOOKUP_PAGE_SIZE):
            chunk = values[start:start + LOOKUP_PAGE_SIZE]
            quoted = ",".join(json.dumps(v) for v in chunk)
            params: dict[str, str] | None = {"filter": f"any({attribute},[{quoted}])",
                                             "fields[profile]": "email,phone_number",
                                             "page[size]": str(LOOKUP_PAGE_SIZE)}
            url: str | None = f"{self.base_url}/api/profiles"
            while url:
                response = self.http.request("GET", url, headers=self._headers(), params=params)
                if response.status_code != 200:
                    raise BatchRejected(response_error(response))
                body = response.json()
                for profile in body.get("data", []):
                    value = (profile.get("attributes") or {}).get(attribute)
                    if value:
                        found[str(value).lower() if attribute == "email" else str(value)] = profile["id"]
                url, params = (body.get("links") or {}).get("next"), None
        return found

    def remove(self, items: Sequence[RemoveItem]) -> BatchResult:
        emails = sorted({i.payload["email"] for i in items if i.payload.get("email")})
        phones = sorted({i.payload["phone"] for i in items if i.payload.get("phone") and not i.payload.get("email")})
        by_email = self._lookup("email", emails) if emails else {}
        by_phone = self._lookup("phone_number", phones) if phones else {}
        ids = []
        for item in items:
            profile_id = by_email.get(item.payload.get("email") or "") or by_phone.get(item.payload.get("phone") or "")
            if profile_id:
                ids.append(profile_id)
        if ids:
            body = {"data": [{"type": "profile", "id": pid} for pid in dict.fromkeys(ids)]}
            response = self.http.request("DELETE", f"{self.base_url}/api/lists/{self.list_id}/relationships/profiles",
                                         headers=self._headers(), data=json.dumps(body))
            if response.status_code not in (200, 202, 204):
                raise BatchRejected(response_error(response))
        # A person Klaviyo no longer knows is not on the list: removing them is done.
        return BatchResult(accepted=[i.key for i in items])

    def erase(self, items: Sequence[RemoveItem]) -> BatchResult:
        result = BatchResult()
        for item in items:
            identifier = ({"email": item.payload["email"]} if item.payload.get("email")
                          else {"phone_number": item.payload.get("phone")})
            if not any(identifier.values()):
                result.accepted.append(item.key)  # nothing identifying was ever sent
                continue
            body = {"data": {"type": "data-privacy-deletion-job",
                             "attributes": {"profile": {"data": {"type": "profile", "attributes": identifier}}}}}
            response = self.http.request("POST", f"{self.base_url}/api/data-privacy-deletion-jobs",
                                         headers=self._headers(), data=json.dumps(body))
            if response.status_code in (200, 202, 204):
                result.accepted.append(item.key)
            else:
                result.rejected[item.key] = response_error(response)
        return result

    def estimate_requests(self, op: str, count: int) -> int:
        if op == "remove" and count:
            return math.ceil(count / LOOKUP_PAGE_SIZE) + math.ceil(count / self.batch_size("remove"))
        requests = super().estimate_requests(op, count)
        if op in ("upsert", "append") and self.config.text("subscribe"):
            size = self.batch_size(op)
            full, rest = divmod(count, size)
            requests += full * math.ceil(size / MAX_PROFILES_PER_SUBSCRIPTION_JOB)
            requests += math.ceil(rest / MAX_PROFILES_PER_SUBSCRIPTION_JOB)
        return requests


def _pointed_records(response: Any, sent: Sequence[OutRecord]) -> dict[str, str]:
    """Records a JSON:API 400 names through ``source.pointer``, with the error detail."""
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        return {}
    named: dict[str, str] = {}
    for error in errors:
        match = POINTER.match(((error or {}).get("source") or {}).get("pointer") or "")
        if match and int(match.group(1)) < len(sent):
            detail = error.get("detail") or error.get("title") or "invalid"
            named[sent[int(match.group(1))].key] = f"HTTP {response.status_code}: {detail}"
    return named
