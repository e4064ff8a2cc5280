"""Klaviyo: list membership and profile properties through the bulk profile import API.

API (revision header ``2026-04-15``, JSON:API bodies, ``Authorization: Klaviyo-API-Key <key>``):

* add/update: ``POST /api/profile-bulk-import-jobs`` (type ``profile-bulk-import-job``): up to
  10,000 profiles and 5 MB per job, upserted and added to the list given in
  ``relationships.lists``. A 400 names invalid records by JSON pointer
  (``/data/attributes/profiles/data/<i>/...``), which isolates them. A 202 only means the job was
  queued: the job is then polled (``GET /api/profile-bulk-import-jobs/{id}``; ``attributes.status``
  queued -> processing -> complete, or cancelled/failed; ``completed_count``, ``failed_count``)
  with bounded, growing waits (``job_polling``). Only when the job is ``complete`` are its profiles
  accepted; when ``failed_count`` is not 0 the job's errors are read
  (``GET /api/profile-bulk-import-jobs/{id}/import-errors``, paginated by ``page[cursor]``) and
  the profiles they name (by ``original_payload``, else by pointer) are rejected with Klaviyo's
  error, so they go to ``sync_failures`` and are retried next run. Failures the errors do not
  name are isolated by splitting the batch. A job that ends cancelled/failed, or is not finished
  within ``job_polling.timeout``, stops the run with none of its profiles accepted (they are sent
  again next run; the import is an upsert, so Klaviyo still holds each person once).
  Bulk import never clears a field with null, which matches the "nulls never overwrite" rule.
* optional consent: with ``subscribe: email`` (or ``sms``) the people the import job accepted are
  also sent to ``POST /api/profile-subscription-bulk-create-jobs`` (type
  ``profile-subscription-bulk-create-job``, up to 1,000 profiles per job) with
  ``subscriptions.<channel>.marketing.consent = SUBSCRIBED``, so Klaviyo records the consent the
  warehouse holds. Only consented people are ever sent. Klaviyo answers these jobs with an empty
  202 and offers no endpoint to read them back, so they cannot be polled.
* remove: profiles are found by ``GET /api/profiles?filter=any(email,[...])`` (100 per page) and
  removed with ``DELETE /api/lists/{id}/relationships/profiles`` (up to 1,000 ids; synchronous,
  204). Removing from a list does not change the person's consent in Klaviyo.
* erase: ``POST /api/data-privacy-deletion-jobs``, one profile per request.

Settings: ``api_key`` (reference), ``list_id``, optional ``base_url``, ``revision``,
``use_external_id`` (send ``customer_id`` as ``external_id``; default true), ``subscribe``
(``email`` or ``sms``: also record marketing consent through bulk subscription jobs),
``job_polling`` (``interval`` 1 s, ``backoff`` 1.5, ``max_interval`` 15 s, ``timeout`` 600 s).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any

from activation.delivery import BatchRejected, JobFailed, poll, response_error
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
JOB_ENDED_BADLY = frozenset({"cancelled", "failed"})
IMPORT_ERRORS_PAGE_SIZE = 100
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
        profiles = [self._profile(r) for r in good]
        body = {"data": {"type": "profile-bulk-import-job",
                         "attributes": {"profiles": {"data": profiles}},
                         "relationships": {"lists": {"data": [{"type": "list", "id": self.list_id}]}}}}
        response = self.http.request("POST", f"{self.base_url}/api/profile-bulk-import-jobs",
                                     headers=self._headers(), data=json.dumps(body, default=str))
        if response.status_code not in (200, 201, 202):
            raise BatchRejected(response_error(response), _pointed_records(response, good))
        failed = self._await_import(_job_id(response), good, profiles)
        result.rejected.update(failed)
        imported = [r for r in good if r.key not in failed]
        channel = self.config.text("subscribe")
        if channel and imported:
            self._subscribe(channel, imported)
        result.accepted.extend(r.key for r in imported)
        return result

    # ------------------------------------------------------------------ import jobs
    def _job_url(self, job_id: str) -> str:
        return f"{self.base_url}/api/profile-bulk-import-jobs/{job_id}"

    def _job_status(self, job_id: str) -> dict[str, Any] | None:
        """The job's attributes once it has ended; ``None`` while it is queued or processing."""
        response = self.http.request("GET", self._job_url(job_id), headers=self._headers())
        if response.status_code != 200:
            raise JobFailed(f"Klaviyo import job {job_id}: status check refused: {response_error(response)}")
        attributes = ((response.json() or {}).get("data") or {}).get("attributes") or {}
        status = attributes.get("status")
        if status == "complete" or status in JOB_ENDED_BADLY:
            return attributes
        return None  # queued, processing (or a status this client does not know yet): keep waiting

    def _await_import(self, job_id: str, sent: Sequence[OutRecord], profiles: Sequence[dict[str, Any]]
                      ) -> dict[str, str]:
        """Wait for import job ``job_id``; {record key: Klaviyo's error} for the profiles it failed.

        Raises :class:`JobFailed` (cancelled/failed job), :class:`~activation.delivery.JobTimedOut`
        (not finished in time) and :class:`BatchRejected` (failures the job's errors do not name).
        """
        what = f"Klaviyo import job {job_id} ({len(sent)} profiles)"
        attributes = poll(lambda: self._job_status(job_id), self.config.job_polling, self.http.policy.sleep, what)
        status = attributes.get("status")
        if status != "complete":
            raise JobFailed(f"{what} ended {status}: none of its profiles counted as accepted")
        failed_count = attributes.get("failed_count")
        if failed_count == 0:
            return {}
        errors = self._import_errors(job_id)
        named, unnamed = _errored_records(job_id, errors, sent, profiles)
        expected = len(errors) if failed_count is None else int(failed_count)
        if unnamed or len(errors) - unnamed < expected:
            # Some failed profiles cannot be told apart: name what can be named, split the rest.
            raise BatchRejected(f"{what}: {expected} profiles failed, {len(errors) - unnamed} of them "
                                "identified by the job's errors", named)
        return named

    def _import_errors(self, job_id: str) -> list[dict[str, Any]]:
        """Every import error of ``job_id`` (all pages)."""
        errors: list[dict[str, Any]] = []
        url: str | None = f"{self._job_url(job_id)}/import-errors"
        params: dict[str, str] | None = {"page[size]": str(IMPORT_ERRORS_PAGE_SIZE)}
        while url:
            response = self.http.request("GET", url, headers=self._headers(), params=params)
            if response.status_code != 200:
                raise JobFailed(f"Klaviyo import job {job_id}: reading its errors was refused: "
                                f"{response_error(response)}")
            body = response.json() or {}
            errors.extend(e for e in body.get("data") or [] if isinstance(e, dict))
            url, params = (body.get("links") or {}).get("next"), None
        return errors

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
        if op in ("upsert", "append"):
            requests *= 2  # each import job is followed by at least one status check
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


def _job_id(response: Any) -> str:
    """The id of the job a 202 created (a job whose id is unknown cannot be confirmed)."""
    try:
        job_id = ((response.json() or {}).get("data") or {}).get("id")
    except ValueError:
        job_id = None
    if not job_id:
        raise JobFailed(f"Klaviyo accepted an import job (HTTP {response.status_code}) without returning its id: "
                        "its outcome cannot be confirmed, so none of its profiles counted as accepted")
    return str(job_id)


def _identifiers(profile: dict[str, Any]) -> list[tuple[str, str]]:
    """Ways to recognise a sent profile, most specific first: trigger id, external id, email, phone."""
    attributes = profile.get("attributes") if isinstance(profile.get("attributes"), dict) else profile
    found = []
    trigger = (attributes.get("properties") or {}).get("cdw_trigger_id")
    if trigger:
        found.append(("trigger", str(trigger)))
    for name in ("external_id", "email", "phone_number"):
        if attributes.get(name):
            value = str(attributes[name])
            found.append((name, value.lower() if name == "email" else value))
    return found


def _errored_records(job_id: str, errors: Sequence[dict[str, Any]], sent: Sequence[OutRecord],
                     profiles: Sequence[dict[str, Any]]) -> tuple[dict[str, str], int]:
    """({record key: error} for the records the job's errors name, number of errors naming none)."""
    index: dict[tuple[str, str], list[str]] = {}
    for record, profile in zip(sent, profiles, strict=True):
        for identifier in _identifiers(profile):
            index.setdefault(identifier, []).append(record.key)
    named: dict[str, str] = {}
    unnamed = 0
    for error in errors:
        attributes = error.get("attributes") or {}
        keys: list[str] = []
        payload = attributes.get("original_payload")
        if isinstance(payload, dict):
            for identifier in _identifiers(payload):
                if identifier in index:
                    keys = index[identifier]
                    break
        if not keys:
            match = POINTER.match(((attributes.get("source") or {}).get("pointer")) or "")
            if match and int(match.group(1)) < len(sent):
                keys = [sent[int(match.group(1))].key]
        if not keys:
            unnamed += 1
            continue
        detail = attributes.get("detail") or attributes.get("title") or "failed"
        code = attributes.get("code")
        for key in keys:
            named[key] = f"Klaviyo import job {job_id}: {detail}" + (f" ({code})" if code else "")
    return named, unnamed
