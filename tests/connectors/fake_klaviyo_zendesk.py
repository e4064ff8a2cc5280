"""Fake Klaviyo and Zendesk APIs on a real local HTTP server (pytest-httpserver on 127.0.0.1).

They speak each vendor's documented shapes and behaviour, so the connectors are tested over real
HTTP without the internet:

- Klaviyo: private-key auth (``Authorization: Klaviyo-API-Key``; anything else -> 401 JSON:API
  error), the ``revision`` header is required (400 without), JSON:API documents with
  ``links.next`` carrying an opaque ``page[cursor]``, ``filter=`` expressions
  (``greater-than``/``greater-or-equal``/``less-than`` on timestamps), ``sort``, ``page[size]``
  limits, ``additional-fields[profile]=subscriptions`` and sparse ``fields[profile]``.
- Zendesk: API-token basic auth (``email/token:TOKEN``) or OAuth bearer tokens (an expired one ->
  401 ``invalid_token``), cursor-based incremental exports (``start_time`` or ``cursor``,
  ``after_cursor``, ``end_of_stream``; ``start_time`` within the last minute -> 400), and the
  satisfaction-ratings list with ``start_time`` and cursor pagination (``page[size]``,
  ``links.next``, ``meta.has_more``).
- Both: scripted faults per path (429 with ``Retry-After``, 5xx, ...) served before the real
  answer, and a log of every request (path, query parameters, headers) for assertions.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response


@dataclass(frozen=True)
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class Fault:
    """A scripted answer served instead of the real one."""

    status: int
    retry_after: str | None = None
    body: dict[str, Any] = field(default_factory=dict)


def parse_time(value: str) -> datetime:
    when = datetime.fromisoformat(value)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"p": position}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    padded = cursor + "=" * (-len(cursor) % 4)
    return int(json.loads(base64.urlsafe_b64decode(padded))["p"])


class FakeVendor:
    """Shared plumbing: one catch-all handler, request log, scripted faults."""

    content_type = "application/json"

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.requests: list[Recorded] = []
        self._faults: dict[str, list[Fault]] = {}
        server.expect_request(re.compile(r".*")).respond_with_handler(self._handle)

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"

    def fail(self, path: str, *faults: Fault) -> None:
        """Serve ``faults`` (in order) to the next requests on ``path``, then answer normally."""
        self._faults.setdefault(path, []).extend(faults)

    def calls(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    def clear_log(self) -> None:
        self.requests.clear()

    def _handle(self, request: Request) -> Response:
        self.requests.append(Recorded(request.method, request.path, dict(request.args.items()),
                                      dict(request.headers.items())))
        queued = self._faults.get(request.path)
        if queued:
            fault = queued.pop(0)
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            return self.respond(fault.body or {"errors": [{"status": fault.status, "detail": "scripted"}]},
                                fault.status, headers)
        denied = self.check(request)
        if denied is not None:
            return denied
        return self.route(request)

    def respond(self, body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return Response(json.dumps(body), status=status, headers=headers or {}, content_type=self.content_type)

    def check(self, request: Request) -> Response | None:  # pragma: no cover - overridden
        return None

    def route(self, request: Request) -> Response:  # pragma: no cover - overridden
        raise NotImplementedError


# -- Klaviyo -----------------------------------------------------------------------------------

KLAVIYO_FILTER = re.compile(r"(greater-than|greater-or-equal|less-than|less-or-equal)\(([\w.]+),([^)]+)\)")
COMPARE: dict[str, Callable[[datetime, datetime], bool]] = {
    "greater-than": lambda a, b: a > b,
    "greater-or-equal": lambda a, b: a >= b,
    "less-than": lambda a, b: a < b,
    "less-or-equal": lambda a, b: a <= b,
}


def klaviyo_error(status: int, code: str, detail: str) -> dict[str, Any]:
    return {"errors": [{"id": "a1b2c3", "status": status, "code": code, "title": detail, "detail": detail,
                        "source": {"pointer": "/data/"}}]}


class FakeKlaviyo(FakeVendor):
    """A Klaviyo account: profiles, lists with members, metrics, events (see the module docstring)."""

    content_type = "application/vnd.api+json"
    revision = "2025-10-15"
    page_sizes = {"/api/lists": 2, "/api/metrics": 2, "/api/events": 3}
    """Fixed page sizes of endpoints without (or before) ``page[size]``, kept small to exercise paging."""
    max_page_size = 100

    def __init__(self, server: HTTPServer, api_key: str) -> None:
        super().__init__(server)
        self.api_key = api_key
        self.profiles: dict[str, dict[str, Any]] = {}
        self.lists: dict[str, dict[str, Any]] = {}
        self.members: dict[str, dict[str, str]] = {}
        self.metrics: dict[str, dict[str, Any]] = {}
        self.events: dict[str, dict[str, Any]] = {}

    # -- data, in the vendor's documented shapes ---------------------------------------------

    def add_profile(self, profile_id: str, email: str | None, updated: str, *, created: str | None = None,
                    email_consent: str = "SUBSCRIBED", sms_consent: str = "NEVER_SUBSCRIBED",
                    consent_at: str | None = None, phone: str | None = None, first_name: str = "Ann",
                    **attributes: Any) -> None:
        self.profiles[profile_id] = {
            "type": "profile",
            "id": profile_id,
            "attributes": {
                "email": email, "phone_number": phone, "external_id": attributes.pop("external_id", None),
                "anonymous_id": None, "first_name": first_name, "last_name": "Lee", "organization": None,
                "locale": "en-US", "title": None, "image": None,
                "created": created or updated, "updated": updated, "last_event_date": None,
                "location": {"address1": None, "address2": None, "city": "Austin", "country": "United States",
                             "latitude": None, "longitude": None, "region": "TX", "zip": "78701",
                             "timezone": "America/Chicago", "ip": None},
                "properties": {"favourite_colour": "teal"},
                **attributes,
            },
            "_subscriptions": {
                "email": {"marketing": {"can_receive_email_marketing": email_consent == "SUBSCRIBED",
                                        "consent": email_consent, "consent_timestamp": consent_at,
                                        "last_updated": consent_at, "method": "FORM", "method_detail": "",
                                        "custom_method_detail": None, "double_optin": None,
                                        "suppression": [], "list_suppressions": []}},
                "sms": {"marketing": {"can_receive_sms_marketing": sms_consent == "SUBSCRIBED",
                                      "consent": sms_consent, "consent_timestamp": consent_at if phone else None,
                                      "method": None, "method_detail": None, "last_updated": None},
                        "transactional": None},
                "mobile_push": {"marketing": {"can_receive_push_marketing": False, "consent": "NEVER_SUBSCRIBED",
                                              "consent_timestamp": None}},
            },
            "relationships": {"lists": {"links": {}}, "segments": {"links": {}}},
            "links": {"self": f"{self.url}/api/profiles/{profile_id}/"},
        }

    def add_list(self, list_id: str, name: str, updated: str, opt_in: str = "double_opt_in") -> None:
        self.lists[list_id] = {"type": "list", "id": list_id,
                               "attributes": {"name": name, "created": updated, "updated": updated,
                                              "opt_in_process": opt_in},
                               "relationships": {"profiles": {"links": {}}, "tags": {"links": {}}},
                               "links": {"self": f"{self.url}/api/lists/{list_id}/"}}
        self.members.setdefault(list_id, {})

    def add_member(self, list_id: str, profile_id: str, joined: str) -> None:
        self.members.setdefault(list_id, {})[profile_id] = joined

    def add_metric(self, metric_id: str, name: str) -> None:
        self.metrics[metric_id] = {"type": "metric", "id": metric_id,
                                   "attributes": {"name": name, "created": "2023-01-01T00:00:00+00:00",
                                                  "updated": "2023-01-01T00:00:00+00:00",
                                                  "integration": {"object": "integration", "id": "0rG4eQ",
                                                                  "key": "klaviyo", "name": "Klaviyo",
                                                                  "category": "Internal"}},
                                   "links": {"self": f"{self.url}/api/metrics/{metric_id}/"}}

    def add_event(self, event_id: str, profile_id: str, metric_id: str, when: str, **properties: Any) -> None:
        self.events[event_id] = {
            "type": "event", "id": event_id,
            "attributes": {"timestamp": int(parse_time(when).timestamp()), "datetime": when,
                           "uuid": f"uuid-{event_id}", "event_properties": {"$event_id": event_id, **properties}},
            "relationships": {"profile": {"data": {"type": "profile", "id": profile_id}, "links": {}},
                              "metric": {"data": {"type": "metric", "id": metric_id}, "links": {}},
                              "attributions": {"links": {}}},
            "links": {"self": f"{self.url}/api/events/{event_id}/"},
        }

    # -- protocol ------------------------------------------------------------------------------

    def check(self, request: Request) -> Response | None:
        if request.headers.get("Authorization") != f"Klaviyo-API-Key {self.api_key}":
            return self.respond(klaviyo_error(401, "not_authenticated", "Missing or invalid private key."), 401)
        if not request.headers.get("revision"):
            return self.respond(klaviyo_error(400, "invalid", "Missing required header: revision"), 400)
        return None

    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/api/profiles":
            return self._collection(request, [self._profile(p, request) for p in self.profiles.values()],
                                    "updated", page_size_param=True)
        if path == "/api/lists":
            return self._collection(request, list(self.lists.values()), "updated")
        if path == "/api/metrics":
            return self._collection(request, list(self.metrics.values()), None)
        if path == "/api/events":
            return self._collection(request, list(self.events.values()), "datetime")
        members = re.fullmatch(r"/api/lists/([^/]+)/profiles", path)
        if members and members.group(1) in self.lists:
            fields = (request.args.get("fields[profile]") or "").split(",")
            rows = [self._member(pid, joined, fields) for pid, joined in self.members[members.group(1)].items()]
            return self._collection(request, rows, "joined_group_at", page_size_param=True)
        return self.respond(klaviyo_error(404, "not_found", f"{path} not found"), 404)

    def _profile(self, profile: dict[str, Any], request: Request) -> dict[str, Any]:
        shown = {k: v for k, v in profile.items() if k != "_subscriptions"}
        if "subscriptions" in (request.args.get("additional-fields[profile]") or "").split(","):
            shown = {**shown, "attributes": {**shown["attributes"], "subscriptions": profile["_subscriptions"]}}
        return shown

    def _member(self, profile_id: str, joined: str, fields: list[str]) -> dict[str, Any]:
        full = self.profiles.get(profile_id, {}).get("attributes", {})
        attributes = {k: v for k, v in full.items() if k in fields or fields == [""]}
        return {"type": "profile", "id": profile_id, "attributes": {**attributes, "joined_group_at": joined},
                "links": {"self": f"{self.url}/api/profiles/{profile_id}/"}}

    def _collection(self, request: Request, rows: list[dict[str, Any]], time_field: str | None,
                    page_size_param: bool = False) -> Response:
        expression = request.args.get("filter")
        if expression:
            clauses = KLAVIYO_FILTER.findall(expression)
            if not clauses or any(f != time_field for _, f, _ in clauses):
                return self.respond(klaviyo_error(400, "invalid", f"unsupported filter {expression!r}"), 400)
            for operator, name, value in clauses:
                bound = parse_time(value)
                rows = [r for r in rows if COMPARE[operator](parse_time(r["attributes"][name]), bound)]
        sort = request.args.get("sort")
        if sort:
            key = sort.lstrip("-")
            rows = sorted(rows, key=lambda r: parse_time(r["attributes"][key]), reverse=sort.startswith("-"))
        size = self.page_sizes.get(request.path, 20)
        if page_size_param and request.args.get("page[size]"):
            size = int(request.args["page[size]"])
            if size > self.max_page_size:
                return self.respond(klaviyo_error(400, "invalid", "page[size] must be at most 100"), 400)
        start = decode_cursor(request.args["page[cursor]"]) if request.args.get("page[cursor]") else 0
        page = rows[start:start + size]
        query = {k: v for k, v in request.args.items() if k != "page[cursor]"}
        links: dict[str, Any] = {"self": f"{self.url}{request.path}?{urlencode(request.args)}", "prev": None,
                                 "next": None}
        if start + size < len(rows):
            query["page[cursor]"] = encode_cursor(start + size)
            links["next"] = f"{self.url}{request.path}?{urlencode(query)}"
        return self.respond({"data": page, "links": links})


# -- Zendesk -----------------------------------------------------------------------------------


def epoch(value: str) -> int:
    return int(parse_time(value).timestamp())


class FakeZendesk(FakeVendor):
    """A Zendesk Support account: users, tickets, satisfaction ratings (see the module docstring)."""

    max_per_page = 1000
    page_cap = 1000
    """Records per export page actually sent (Zendesk may send fewer than ``per_page``)."""

    def __init__(self, server: HTTPServer, email: str, api_token: str, oauth_tokens: tuple[str, ...] = (),
                 expired_tokens: tuple[str, ...] = ()) -> None:
        super().__init__(server)
        self.email, self.api_token = email, api_token
        self.oauth_tokens, self.expired_tokens = set(oauth_tokens), set(expired_tokens)
        self.export_log: dict[str, list[dict[str, Any]]] = {"tickets": [], "users": []}
        """Incremental export streams: every change appended, in time order, as Zendesk keeps it."""
        self.ratings: dict[int, dict[str, Any]] = {}

    # -- data, in the vendor's documented shapes ---------------------------------------------

    def put_user(self, user_id: int, updated_at: str, *, email: str | None = None, name: str = "Ann Lee",
                 created_at: str = "2023-06-01T00:00:00Z", role: str = "end-user", tags: tuple[str, ...] = (),
                 **fields: Any) -> None:
        self._change("users", {
            "id": user_id, "url": f"{self.url}/api/v2/users/{user_id}.json", "name": name, "email": email,
            "created_at": created_at, "updated_at": updated_at, "time_zone": "Eastern Time (US & Canada)",
            "iana_time_zone": "America/New_York", "phone": fields.pop("phone", None), "shared_phone_number": None,
            "photo": None, "locale_id": 1, "locale": "en-US", "organization_id": fields.pop("organization_id", None),
            "role": role, "verified": True, "external_id": fields.pop("external_id", None), "tags": list(tags),
            "alias": "", "active": True, "shared": False, "shared_agent": False, "last_login_at": None,
            "two_factor_auth_enabled": None, "signature": None, "details": "", "notes": "VIP, call back",
            "role_type": None, "custom_role_id": None, "moderator": False, "ticket_restriction": "requested",
            "only_private_comments": False, "restricted_agent": True, "suspended": False,
            "default_group_id": None, "report_csv": False, "user_fields": {"loyalty_tier": "gold"}, **fields,
        })

    def put_ticket(self, ticket_id: int, updated_at: str, *, requester_id: int = 1, status: str | None = "open",
                   subject: str = "Where is my order?", tags: tuple[str, ...] = ("shipping",),
                   channel: str = "email", created_at: str = "2024-01-01T08:00:00Z", **fields: Any) -> None:
        ticket = {
            "url": f"{self.url}/api/v2/tickets/{ticket_id}.json", "id": ticket_id,
            "external_id": fields.pop("external_id", None),
            "via": {"channel": channel, "source": {"from": {}, "to": {}, "rel": None}},
            "created_at": created_at, "updated_at": updated_at, "generated_timestamp": epoch(updated_at),
            "type": "question", "subject": subject, "raw_subject": subject, "description": "Order #1001 is late",
            "priority": "normal", "status": status, "recipient": None, "requester_id": requester_id,
            "submitter_id": requester_id, "assignee_id": 900, "organization_id": None, "group_id": 10,
            "collaborator_ids": [], "follower_ids": [], "email_cc_ids": [], "forum_topic_id": None,
            "problem_id": None, "has_incidents": False, "is_public": True, "due_at": None, "tags": list(tags),
            "custom_fields": [{"id": 27642, "value": "745"}], "satisfaction_rating": {"score": "unoffered"},
            "sharing_agreement_ids": [], "custom_status_id": 1, "fields": [], "followup_ids": [],
            "ticket_form_id": 1, "brand_id": 1, "allow_channelback": False, "allow_attachments": True,
            "from_messaging_channel": False, **fields,
        }
        if status is None:
            del ticket["status"]
        self._change("tickets", ticket)

    def put_rating(self, rating_id: int, ticket_id: int, updated_at: str, score: str = "good",
                   created_at: str | None = None, comment: str | None = "Thanks!", reason: str | None = None) -> None:
        self.ratings[rating_id] = {
            "url": f"{self.url}/api/v2/satisfaction_ratings/{rating_id}.json", "id": rating_id,
            "assignee_id": 900, "group_id": 10, "requester_id": 1, "ticket_id": ticket_id, "score": score,
            "created_at": created_at or updated_at, "updated_at": updated_at, "comment": comment,
            "reason": reason, "reason_id": None, "reason_code": None,
        }

    def _change(self, stream: str, record: dict[str, Any]) -> None:
        self.export_log[stream].append(record)
        self.export_log[stream].sort(key=lambda r: epoch(r["updated_at"]))

    # -- protocol ------------------------------------------------------------------------------

    def check(self, request: Request) -> Response | None:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            token = header.removeprefix("Bearer ")
            if token in self.expired_tokens or token not in self.oauth_tokens:
                return self.respond({"error": "invalid_token", "error_description": "The access token provided is "
                                     "expired, revoked, malformed or invalid for other reasons."}, 401)
            return None
        expected = base64.b64encode(f"{self.email}/token:{self.api_token}".encode()).decode()
        if header != f"Basic {expected}":
            return self.respond({"error": "Couldn't authenticate you"}, 401)
        return None

    def route(self, request: Request) -> Response:
        exports = {"/api/v2/incremental/tickets/cursor.json": "tickets",
                   "/api/v2/incremental/users/cursor.json": "users"}
        if request.path in exports:
            return self._export(request, exports[request.path])
        if request.path == "/api/v2/satisfaction_ratings.json":
            return self._ratings(request)
        return self.respond({"error": "InvalidEndpoint", "description": "Not found"}, 404)

    def _export(self, request: Request, stream: str) -> Response:
        log = self.export_log[stream]
        per_page = int(request.args.get("per_page", 1000))
        if per_page > self.max_per_page:
            return self.respond({"error": "InvalidValue", "description": "per_page must be at most 1000"}, 400)
        if request.args.get("cursor"):
            start = decode_cursor(request.args["cursor"])
        elif "start_time" in request.args:
            start_time = int(request.args["start_time"])
            if start_time > datetime.now(UTC).timestamp() - 60:
                return self.respond({"error": "InvalidValue",
                                     "description": "Too recent start_time. Use a start_time older than 1 minute"},
                                    400)
            start = next((i for i, r in enumerate(log) if epoch(r["updated_at"]) >= start_time), len(log))
        else:
            return self.respond({"error": "InvalidValue", "description": "start_time or cursor is required"}, 400)
        page = log[start:start + min(per_page, self.page_cap)]
        after = start + len(page)
        path = request.path
        return self.respond({
            stream: page,
            "after_url": f"{self.url}{path}?{urlencode({'cursor': encode_cursor(after)})}",
            "after_cursor": encode_cursor(after),
            "before_url": f"{self.url}{path}?{urlencode({'cursor': encode_cursor(start)})}" if start else None,
            "before_cursor": encode_cursor(start) if start else None,
            "end_of_stream": after >= len(log),
        })

    def _ratings(self, request: Request) -> Response:
        rows = sorted(self.ratings.values(), key=lambda r: r["id"])
        if request.args.get("start_time"):
            rows = [r for r in rows if epoch(r["updated_at"]) >= int(request.args["start_time"])]
        size = min(int(request.args.get("page[size]", 100)), 100)
        start = decode_cursor(request.args["page[after]"]) if request.args.get("page[after]") else 0
        page = rows[start:start + size]
        has_more = start + size < len(rows)
        query = {k: v for k, v in request.args.items() if k != "page[after]"}
        next_url = f"{self.url}{request.path}?{urlencode({**query, 'page[after]': encode_cursor(start + size)})}"
        return self.respond({"satisfaction_ratings": page,
                             "meta": {"has_more": has_more, "after_cursor": encode_cursor(start + size),
                                      "before_cursor": encode_cursor(start)},
                             "links": {"next": next_url if has_more else None, "prev": None}})


def hours_after(base: str, hours: float) -> str:
    """``base`` + ``hours`` in the same ISO spelling (``Z`` or ``+00:00``) as ``base``."""
    when = parse_time(base) + timedelta(hours=hours)
    text = when.isoformat(timespec="seconds")
    return text.replace("+00:00", "Z") if base.endswith("Z") else text
