"""Local, fault-injecting emulators of the destination APIs, served over real HTTP on 127.0.0.1.

Each fake keeps a request log (method, path, query, headers, body, status) and the state the vendor
would hold (list members, audience hashes, ...), checks authentication the way the vendor does,
enforces its batch limits, and answers the way the vendor answers (JSON:API errors with pointers
for Klaviyo, ``errors`` inside a 200 for Mailchimp, Graph API error codes for Meta, partial failures
for Google Ads, HMAC and idempotency keys for the webhook).

Faults are queued with :meth:`FakeVendor.fail_next` and consumed by the next matching requests:

* ``"429"``: HTTP 429 with a ``Retry-After`` header;
* ``"500"``: HTTP 500 (nothing applied);
* ``"slow"``: the response is delayed (the request is still applied, as a slow server would);
* ``"meta_throttle"``: Graph API throttling (HTTP 400, error code 17).

``adds`` counts, per person, how many *successful* requests added them: a retry that sends twice
shows up there.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from werkzeug import Request, Response

from activation.destinations.webhook import sign

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None,
          content_type: str = "application/json") -> Response:
    return Response(json.dumps(body), status=status, headers=headers or {}, content_type=content_type)


@dataclass
class Logged:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    status: int = 0

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace") + " " + json.dumps(self.query)

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Fault:
    kind: str
    match: str | None = None
    retry_after: str | None = None
    delay: float = 0.0


@dataclass
class FakeVendor:
    """Base class: logging, fault injection, dispatch to ``handle``."""

    log: list[Logged] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    adds: Counter = field(default_factory=Counter)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def fail_next(self, kind: str, *, match: str | None = None, retry_after: str | None = None,
                  delay: float = 0.0, times: int = 1) -> None:
        for _ in range(times):
            self.faults.append(Fault(kind, match, retry_after, delay))

    def _take(self, line: str) -> Fault | None:
        with self.lock:
            for i, fault in enumerate(self.faults):
                if fault.match is None or fault.match in line:
                    return self.faults.pop(i)
        return None

    def __call__(self, request: Request) -> Response:
        entry = Logged(request.method, request.path, {k: request.args.getlist(k) for k in request.args},
                       dict(request.headers), request.get_data())
        with self.lock:
            self.log.append(entry)
        fault = self._take(f"{request.method} {request.path}")
        if fault and fault.kind == "slow":
            time.sleep(fault.delay)
        response = self._fault_response(fault) if fault and fault.kind != "slow" else None
        if response is None:
            with self.lock:
                response = self.handle(request, entry)
        entry.status = response.status_code
        return response

    def _fault_response(self, fault: Fault) -> Response | None:
        if fault.kind == "429":
            return _json({"error": "rate limited"}, 429, {"Retry-After": fault.retry_after or "1"})
        if fault.kind == "500":
            return _json({"error": "internal"}, 500)
        if fault.kind == "meta_throttle":
            return _json({"error": {"message": "(#17) User request limit reached", "code": 17}}, 400)
        raise ValueError(f"unknown fault {fault.kind}")

    def handle(self, request: Request, entry: Logged) -> Response:  # pragma: no cover - abstract
        raise NotImplementedError

    def clear_log(self) -> None:
        with self.lock:
            self.log.clear()

    @property
    def applied(self) -> list[Logged]:
        return [e for e in self.log if 200 <= e.status < 300]


# ---------------------------------------------------------------------------------------- Klaviyo
@dataclass
class KlaviyoJob:
    """One bulk import job as Klaviyo holds it: processed only when it completes."""

    id: str
    profiles: list[dict[str, Any]]
    lists: list[str]
    fate: str                       # complete | failed | cancelled | stuck
    polls: int = 0
    status: str = "queued"
    errors: list[dict[str, Any]] = field(default_factory=list)
    completed_at: str | None = None

    def document(self) -> dict[str, Any]:
        done = self.status == "complete"
        return {"data": {"type": "profile-bulk-import-job", "id": self.id,
                         "attributes": {"status": self.status, "created_at": "2026-05-01T00:00:00+00:00",
                                        "total_count": len(self.profiles),
                                        "completed_count": len(self.profiles) - len(self.errors) if done else 0,
                                        "failed_count": len(self.errors) if done else 0,
                                        "completed_at": self.completed_at, "expires_at": None, "started_at": None},
                         "links": {"self": f"/api/profile-bulk-import-jobs/{self.id}/"}}}


@dataclass
class FakeKlaviyo(FakeVendor):
    """Klaviyo's profile, list, subscription and privacy APIs.

    Bulk import jobs behave as Klaviyo's do: the POST validates the request's shape (a malformed
    email or phone is a 400 naming the profile by JSON pointer) and answers 202 with a ``queued``
    job; the job reports ``queued``, then ``processing`` and ends on its ``polls_to_complete``-th
    status check, when its profiles are applied. A well-formed email in ``reject_emails`` is
    refused while the job is processed: the job completes with ``failed_count`` and lists the
    profile in ``/import-errors`` (with its ``original_payload``). ``job_fates`` decides how the
    next jobs end (``complete``, ``failed``, ``cancelled``, or ``stuck``: processing until
    :meth:`finish_jobs`, as a backlogged Klaviyo would). ``name_errors=False`` drops the payload and
    pointer from import errors.
    """

    api_key: str = "pk_test_klaviyo"
    list_id: str = "LIST01"
    reject_emails: set[str] = field(default_factory=set)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    list_members: set[str] = field(default_factory=set)
    erased: list[str] = field(default_factory=list)
    polls_to_complete: int = 2
    job_fates: list[str] = field(default_factory=list)
    jobs: dict[str, KlaviyoJob] = field(default_factory=dict)
    name_errors: bool = True

    def _error(self, status: int, detail: str, pointer: str | None = None) -> dict[str, Any]:
        error: dict[str, Any] = {"id": uuid.uuid4().hex, "status": status, "code": "invalid",
                                 "title": "Invalid input.", "detail": detail}
        if pointer:
            error["source"] = {"pointer": pointer}
        return error

    def _find(self, attribute: str, value: str) -> str | None:
        for pid, profile in self.profiles.items():
            if profile.get(attribute) == value:
                return pid
        return None

    def handle(self, request: Request, entry: Logged) -> Response:
        if request.headers.get("Authorization") != f"Klaviyo-API-Key {self.api_key}":
            return _json({"errors": [self._error(401, "Missing or invalid private key.")]}, 401)
        if not request.headers.get("revision"):
            return _json({"errors": [self._error(400, "revision header is required")]}, 400)
        path = request.path
        if request.method == "POST" and path == "/api/profile-bulk-import-jobs":
            return self._bulk_import(entry.json())
        job = re.fullmatch(r"/api/profile-bulk-import-jobs/([^/]+)/?(import-errors)?/?", path)
        if request.method == "GET" and job:
            if job.group(1) not in self.jobs:
                return _json({"errors": [self._error(404, "A job with this id does not exist.")]}, 404)
            if job.group(2):
                return self._import_errors(request, self.jobs[job.group(1)])
            return self._poll(self.jobs[job.group(1)])
        if request.method == "POST" and path == "/api/profile-subscription-bulk-create-jobs":
            data = entry.json()["data"]
            profiles = data["attributes"]["profiles"]["data"]
            if data["type"] != "profile-subscription-bulk-create-job" or len(profiles) > 1000:
                return _json({"errors": [self._error(400, "invalid subscription job")]}, 400)
            for profile in profiles:
                attrs = profile["attributes"]
                if "properties" in attrs:
                    return _json({"errors": [self._error(400, "'properties' is not a valid field")]}, 400)
                pid = self._find("email", attrs.get("email")) or self._find("phone_number", attrs.get("phone_number"))
                if pid:
                    self.profiles[pid].setdefault("subscriptions", {}).update(attrs["subscriptions"])
                    self.list_members.add(pid)
            return Response(status=202)
        if request.method == "GET" and path == "/api/profiles":
            return self._get_profiles(request)
        match = re.fullmatch(r"/api/lists/([^/]+)/relationships/profiles", path)
        if request.method == "DELETE" and match:
            ids = [d["id"] for d in entry.json()["data"]]
            if len(ids) > 1000:
                return _json({"errors": [self._error(400, "at most 1000 profiles")]}, 400)
            self.list_members.difference_update(ids)
            return Response(status=204)
        if request.method == "POST" and path == "/api/data-privacy-deletion-jobs":
            attributes = entry.json()["data"]["attributes"]["profile"]["data"]["attributes"]
            pid = self._find("email", attributes.get("email")) or self._find("phone_number",
                                                                              attributes.get("phone_number"))
            if pid:
                self.erased.append(self.profiles.pop(pid).get("email") or pid)
                self.list_members.discard(pid)
            return Response(status=202)
        return _json({"errors": [self._error(404, "not found")]}, 404)

    def _bulk_import(self, body: dict[str, Any]) -> Response:
        data = body["data"]
        if data.get("type") != "profile-bulk-import-job":
            return _json({"errors": [self._error(400, "wrong type")]}, 400)
        profiles = data["attributes"]["profiles"]["data"]
        if len(profiles) > 10_000:
            return _json({"errors": [self._error(400, "at most 10000 profiles per job")]}, 400)
        errors = []
        for i, profile in enumerate(profiles):
            email = profile["attributes"].get("email")
            phone = profile["attributes"].get("phone_number")
            if email is not None and not _EMAIL.match(email):
                errors.append(self._error(400, f"Invalid email address: {email}",
                                          f"/data/attributes/profiles/data/{i}/attributes/email"))
            if phone is not None and not _E164.match(phone):
                errors.append(self._error(400, "Invalid phone number",
                                          f"/data/attributes/profiles/data/{i}/attributes/phone_number"))
        if errors:
            return _json({"errors": errors}, 400)
        lists = [d["id"] for d in (data.get("relationships") or {}).get("lists", {}).get("data", [])]
        fate = self.job_fates.pop(0) if self.job_fates else "complete"
        job = KlaviyoJob(uuid.uuid4().hex, profiles, lists, fate)
        self.jobs[job.id] = job
        return _json(job.document(), 202, content_type="application/vnd.api+json")

    def _poll(self, job: KlaviyoJob) -> Response:
        if job.status in ("queued", "processing"):
            job.polls += 1
            if job.polls >= self.polls_to_complete and job.fate != "stuck":
                self._end(job, job.fate)
            else:
                job.status = "queued" if job.polls == 1 else "processing"
        return _json(job.document(), content_type="application/vnd.api+json")

    def _end(self, job: KlaviyoJob, fate: str) -> None:
        job.status = fate
        if fate != "complete":
            return
        job.completed_at = "2026-05-01T00:01:00+00:00"
        for i, profile in enumerate(job.profiles):
            attrs = profile["attributes"]
            if attrs.get("email") in self.reject_emails:
                error = self._error(400, f"Invalid email address: {attrs['email']} was refused",
                                    f"/data/attributes/profiles/data/{i}/attributes/email")
                error = {"type": "import-error", "id": error.pop("id"),
                         "attributes": {**{k: error[k] for k in ("code", "title", "detail")},
                                        "source": error["source"], "original_payload": attrs}}
                if not self.name_errors:
                    error["attributes"].update(source={"pointer": "/data"}, original_payload=None)
                job.errors.append(error)
                continue
            self._apply(attrs, job.lists)

    def _apply(self, attrs: dict[str, Any], lists: list[str]) -> None:
        pid = (self._find("email", attrs["email"]) if attrs.get("email") else None) or \
            (self._find("phone_number", attrs["phone_number"]) if attrs.get("phone_number") else None) or \
            uuid.uuid4().hex[:26]
        current = self.profiles.setdefault(pid, {})
        properties = {**current.get("properties", {}), **attrs.get("properties", {})}
        current.update({k: v for k, v in attrs.items() if k != "properties"})
        current["properties"] = properties
        if self.list_id in lists:
            self.list_members.add(pid)
        self.adds[attrs.get("email") or attrs.get("phone_number")] += 1

    def finish_jobs(self) -> None:
        """Klaviyo works through its backlog: every unfinished job completes (stuck ones too)."""
        with self.lock:
            for job in self.jobs.values():
                if job.status in ("queued", "processing"):
                    self._end(job, "complete" if job.fate == "stuck" else job.fate)

    def _import_errors(self, request: Request, job: KlaviyoJob) -> Response:
        size = int(request.args.get("page[size]", "20"))
        if not 1 <= size <= 100:
            return _json({"errors": [self._error(400, "page[size] must be between 1 and 100")]}, 400)
        start = int(request.args.get("page[cursor]", "0"))
        page = job.errors[start:start + size]
        following = None
        if start + size < len(job.errors):
            following = f"{request.base_url}?page[size]={size}&page[cursor]={start + size}"
        return _json({"data": page, "links": {"self": request.url, "next": following}},
                     content_type="application/vnd.api+json")

    def _get_profiles(self, request: Request) -> Response:
        match = re.fullmatch(r'(any|equals)\((email|phone_number),(.*)\)', request.args.get("filter", ""))
        if not match:
            return _json({"errors": [self._error(400, "bad filter")]}, 400)
        size = int(request.args.get("page[size]", "20"))
        if size > 100:
            return _json({"errors": [self._error(400, "page[size] max 100")]}, 400)
        values = json.loads(match.group(3)) if match.group(1) == "any" else [json.loads(match.group(3))]
        found = [{"type": "profile", "id": pid,
                  "attributes": {"email": p.get("email"), "phone_number": p.get("phone_number")}}
                 for pid, p in self.profiles.items() if p.get(match.group(2)) in values]
        return _json({"data": found[:size], "links": {"self": request.url, "next": None}})

    def members(self) -> list[str]:
        return sorted(self.profiles[pid].get("email") or self.profiles[pid]["phone_number"]
                      for pid in self.list_members)

    def properties(self, email: str) -> dict[str, Any]:
        return self.profiles[self._find("email", email) or ""]


# ---------------------------------------------------------------------------------------- Mailchimp
@dataclass
class FakeMailchimp(FakeVendor):
    api_key: str = "0123456789abcdef-us21"
    list_id: str = "aud001"
    reject_emails: set[str] = field(default_factory=set)
    members_by_email: dict[str, dict[str, Any]] = field(default_factory=dict)
    permanently_deleted: list[str] = field(default_factory=list)

    def _by_hash(self, subscriber_hash: str) -> str | None:
        for email in self.members_by_email:
            if hashlib.md5(email.encode(), usedforsecurity=False).hexdigest() == subscriber_hash:
                return email
        return None

    def handle(self, request: Request, entry: Logged) -> Response:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Basic ") or base64.b64decode(auth[6:]).decode().split(":", 1)[-1] != self.api_key:
            return _json({"title": "API Key Invalid", "status": 401}, 401)
        if request.method == "POST" and request.path == f"/3.0/lists/{self.list_id}":
            return self._batch(entry.json())
        match = re.fullmatch(rf"/3.0/lists/{self.list_id}/members/([0-9a-f]{{32}})(/actions/delete-permanent)?",
                             request.path)
        if match:
            email = self._by_hash(match.group(1))
            if email is None:
                return _json({"title": "Resource Not Found", "status": 404}, 404)
            if request.method == "DELETE" and not match.group(2):
                self.members_by_email[email]["status"] = "archived"
                return Response(status=204)
            if request.method == "POST" and match.group(2):
                del self.members_by_email[email]
                self.permanently_deleted.append(email)
                return Response(status=204)
        return _json({"title": "Resource Not Found", "status": 404}, 404)

    def _batch(self, body: dict[str, Any]) -> Response:
        members = body.get("members") or []
        if len(members) > 500:
            return _json({"title": "Invalid Resource", "status": 400,
                          "detail": "members: at most 500 items"}, 400)
        new, updated, errors = [], [], []
        for member in members:
            email = member["email_address"]
            if not _EMAIL.match(email) or email in self.reject_emails:
                errors.append({"email_address": email, "error": f"{email} looks fake or invalid, please enter a "
                               "real email address.", "error_code": "ERROR_GENERIC", "field": "email_address",
                               "field_message": ""})
                continue
            existing = self.members_by_email.get(email)
            record = {"status": member["status"], "merge_fields": {**(existing or {}).get("merge_fields", {}),
                                                                   **member.get("merge_fields", {})}}
            self.members_by_email[email] = record
            (updated if existing else new).append({"email_address": email, "status": member["status"]})
            self.adds[email] += 1
        return _json({"new_members": new, "updated_members": updated, "errors": errors,
                      "total_created": len(new), "total_updated": len(updated), "error_count": len(errors)})

    def members(self) -> list[str]:
        return sorted(e for e, m in self.members_by_email.items() if m["status"] == "subscribed")


# ---------------------------------------------------------------------------------------- Meta
@dataclass
class FakeMeta(FakeVendor):
    token: str = "EAAB-meta-token"
    audience_id: str = "23850000000001"
    reject_hashes: set[str] = field(default_factory=set)
    rows: set[tuple[str, str]] = field(default_factory=set)
    sessions: list[int] = field(default_factory=list)

    def handle(self, request: Request, entry: Logged) -> Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _json({"error": {"message": "Invalid OAuth access token.", "type": "OAuthException",
                                    "code": 190}}, 400)
        if request.path != f"/v25.0/{self.audience_id}/users" or request.method not in ("POST", "DELETE"):
            return _json({"error": {"message": "Unsupported request", "code": 100}}, 400)
        form = entry.form()
        payload, session = json.loads(form["payload"]), json.loads(form["session"])
        if payload["schema"] != ["EMAIL", "PHONE"]:
            return _json({"error": {"message": "(#100) Invalid schema", "code": 100}}, 400)
        data = payload["data"]
        if len(data) > 10_000:
            return _json({"error": {"message": "(#100) Too many users in one request", "code": 100}}, 400)
        for row in data:
            if len(row) != 2 or not any(row) or any(v and not _HEX64.match(v) for v in row):
                return _json({"error": {"message": "(#100) Data is not hashed correctly", "code": 100}}, 400)
            if set(row) & self.reject_hashes:
                return _json({"error": {"message": "(#100) Invalid parameter: an entry is blocked", "code": 100,
                                        "error_subcode": 1870053, "fbtrace_id": "Afake"}}, 400)
        self.sessions.append(session["session_id"])
        for email_hash, phone_hash in data:
            if request.method == "POST":
                self.rows.add((email_hash, phone_hash))
                self.adds[email_hash or phone_hash] += 1
            else:
                self.rows = {r for r in self.rows
                             if not ((email_hash and r[0] == email_hash) or (phone_hash and r[1] == phone_hash))}
        return _json({"audience_id": self.audience_id, "session_id": str(session["session_id"]),
                      "num_received": len(data), "num_invalid_entries": 0, "invalid_entry_samples": {}})

    def members(self) -> list[str]:
        return sorted(e or p for e, p in self.rows)


# ---------------------------------------------------------------------------------------- Google Ads
@dataclass
class FakeGoogleAds(FakeVendor):
    developer_token: str = "dev-token-google"
    client_id: str = "client-123.apps.googleusercontent.com"
    client_secret: str = "google-client-secret"
    refresh_token: str = "1//google-refresh-token"
    customer_id: str = "1234567890"
    user_list_id: str = "555"
    reject_hashes: set[str] = field(default_factory=set)
    access_tokens: set[str] = field(default_factory=set)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    hashes: set[str] = field(default_factory=set)

    def handle(self, request: Request, entry: Logged) -> Response:
        if request.path == "/token":
            form = entry.form()
            if (form.get("refresh_token"), form.get("client_secret")) != (self.refresh_token, self.client_secret):
                return _json({"error": "invalid_grant"}, 400)
            token = "ya29." + uuid.uuid4().hex
            self.access_tokens.add(token)
            return _json({"access_token": token, "expires_in": 3599, "token_type": "Bearer"})
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if bearer not in self.access_tokens or request.headers.get("developer-token") != self.developer_token:
            return _json({"error": {"code": 401, "message": "Request is missing required authentication credential.",
                                    "status": "UNAUTHENTICATED"}}, 401)
        base = f"/v26/customers/{self.customer_id}/offlineUserDataJobs"
        if request.method == "POST" and request.path == f"{base}:create":
            job = entry.json()["job"]
            expected = f"customers/{self.customer_id}/userLists/{self.user_list_id}"
            if job["type"] != "CUSTOMER_MATCH_USER_LIST" or \
                    job["customerMatchUserListMetadata"]["userList"] != expected:
                return _json({"error": {"code": 400, "message": "bad job", "status": "INVALID_ARGUMENT"}}, 400)
            resource = f"customers/{self.customer_id}/offlineUserDataJobs/{len(self.jobs) + 1}"
            self.jobs[resource] = {"ops": [], "ran": False}
            return _json({"resourceName": resource})
        match = re.fullmatch(rf"/v26/(customers/{self.customer_id}/offlineUserDataJobs/\d+):(addOperations|run)",
                             request.path)
        if request.method == "POST" and match and match.group(1) in self.jobs:
            job = self.jobs[match.group(1)]
            if match.group(2) == "run":
                if job["ran"]:
                    return _json({"error": {"code": 400, "message": "job already ran",
                                            "status": "FAILED_PRECONDITION"}}, 400)
                job["ran"] = True
                for kind, value in job["ops"]:
                    if kind == "create":
                        self.hashes.add(value)
                        self.adds[value] += 1
                    else:
                        self.hashes.discard(value)
                return _json({"name": f"{match.group(1)}/operations/1"})
            return self._add_operations(job, entry.json())
        return _json({"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}}, 404)

    def _add_operations(self, job: dict[str, Any], body: dict[str, Any]) -> Response:
        operations = body["operations"]
        if len(operations) > 100_000:
            return _json({"error": {"code": 400, "message": "too many operations", "status": "INVALID_ARGUMENT"}},
                         400)
        errors = []
        for index, operation in enumerate(operations):
            (kind, data), = operation.items()
            identifiers = data["userIdentifiers"]
            values = [v for ident in identifiers for v in ident.values()]
            bad = len(identifiers) > 20 or not values or any(not _HEX64.match(v) for v in values) or \
                bool(set(values) & self.reject_hashes)
            if bad:
                errors.append({"errorCode": {"offlineUserDataJobError": "INVALID_SHA256_FORMAT"},
                               "message": "The SHA256 encoded value is malformed.",
                               "location": {"fieldPathElements": [{"fieldName": "operations", "index": index},
                                                                  {"fieldName": kind}]}})
            else:
                primary = next((i["hashedEmail"] for i in identifiers if "hashedEmail" in i), values[0])
                job["ops"].append((kind, primary))
        if errors and not body.get("enablePartialFailure"):
            return _json({"error": {"code": 400, "message": "Request contains an invalid argument.",
                                    "status": "INVALID_ARGUMENT", "details": [{"errors": errors}]}}, 400)
        if errors:
            return _json({"partialFailureError": {"code": 3, "message": "Multiple errors in operations",
                                                  "details": [{"@type": "type.googleapis.com/google.ads.googleads."
                                                               "v26.errors.GoogleAdsFailure", "errors": errors}]}})
        return _json({})

    def members(self) -> list[str]:
        return sorted(self.hashes)


# ---------------------------------------------------------------------------------------- webhook
@dataclass
class FakeWebhook(FakeVendor):
    secret: str = "whsec-test-secret"
    reject_emails: set[str] = field(default_factory=set)
    state: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    erased: list[str] = field(default_factory=list)
    seen_keys: dict[str, int] = field(default_factory=dict)
    replays: int = 0

    def handle(self, request: Request, entry: Logged) -> Response:
        timestamp = request.headers.get("X-CDW-Timestamp", "")
        if request.headers.get("X-CDW-Signature") != sign(self.secret, timestamp, entry.body):
            return _json({"error": "bad signature"}, 401)
        key = request.headers.get("Idempotency-Key", "")
        if key in self.seen_keys:
            self.replays += 1
            return _json({"status": "duplicate ignored"}, 200)
        body = entry.json()
        records = body["records"]
        if any((r.get("fields") or {}).get("email") in self.reject_emails for r in records):
            return _json({"error": "invalid record in batch"}, 422)
        for record in records:
            if body["op"] == "upsert":
                self.state.setdefault(record["customer_id"], {}).update(record["fields"])
                self.adds[record["customer_id"]] += 1
            elif body["op"] == "append":
                self.events[record["trigger_id"]] = record
                self.adds[record["trigger_id"]] += 1
            elif body["op"] in ("remove", "erase"):
                self.state.pop(record["customer_id"], None)
                if body["op"] == "erase":
                    self.erased.append(record["customer_id"])
        self.seen_keys[key] = len(records)
        return _json({"accepted": len(records)})

    def members(self) -> list[str]:
        return sorted(self.state)
