"""Klaviyo API constants: where the endpoints are, which revision we speak, page sizes and limits.

Values come from Klaviyo's API reference (JSON:API, revision header, ``page[cursor]`` pagination
through ``links.next``). The revision is pinned to the one the landing contract
(``ingestion/contracts/klaviyo.yml``) was written against; change both together.
"""

from __future__ import annotations

from datetime import timedelta

BASE_URL = "https://a.klaviyo.com"
REVISION = "2025-10-15"
"""Sent as the ``revision`` header on every request; Klaviyo rejects requests without one."""

ACCEPT = "application/vnd.api+json"

PROFILES_PATH = "/api/profiles"
LISTS_PATH = "/api/lists"
LIST_PROFILES_PATH = "/api/lists/{list_id}/profiles"
METRICS_PATH = "/api/metrics"
EVENTS_PATH = "/api/events"

PROFILES_PAGE_SIZE = 100
"""``page[size]`` maximum of Get Profiles and Get Profiles for List (default 20)."""
LIST_PROFILES_PAGE_SIZE = 100
# Get Lists returns at most 10 per page, Get Metrics and Get Events (before revision 2026-01-15)
# take no page size: their defaults are used.

STRICT_FILTER_OVERLAP = timedelta(seconds=1)
"""Profiles and lists only support ``greater-than`` on ``updated`` and timestamps have second
resolution, so the next run asks from one second before the cursor; rows already landed at the
cursor are dropped by dlt's incremental de-duplication, rows changed in that same second are not lost."""

MAX_ATTEMPTS = 6
"""Attempts per request (first try included) on 429, 5xx and connection errors."""
BACKOFF_SECONDS = 1.0
"""First wait after a 5xx or connection error when the server sends no Retry-After; doubles per attempt."""
MAX_BACKOFF_SECONDS = 60.0
MAX_RETRY_AFTER_SECONDS = 600.0
"""A Retry-After longer than this fails the run instead of stalling it for that long."""
TIMEOUT_SECONDS = 60.0
"""Connect/read timeout of one request."""
