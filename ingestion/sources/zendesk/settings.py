"""Zendesk Support API constants: endpoints, page sizes, limits.

From Zendesk's API reference: cursor-based incremental exports for tickets and users
(``start_time`` on the first request, then ``cursor=<after_cursor>`` until ``end_of_stream``), the
satisfaction ratings list with a ``start_time`` filter and cursor pagination (``page[size]``,
``links.next``, ``meta.has_more``).
"""

from __future__ import annotations

from datetime import timedelta

BASE_URL_TEMPLATE = "https://{subdomain}.zendesk.com"

TICKETS_EXPORT_PATH = "/api/v2/incremental/tickets/cursor.json"
USERS_EXPORT_PATH = "/api/v2/incremental/users/cursor.json"
SATISFACTION_RATINGS_PATH = "/api/v2/satisfaction_ratings.json"

EXPORT_PAGE_SIZE = 1000
"""``per_page`` of the cursor-based incremental exports (their maximum). They allow 10 requests a
minute (30 with the High Volume add-on); a 429 says how long to wait."""
RATINGS_PAGE_SIZE = 100
"""``page[size]`` of the satisfaction ratings list (its maximum)."""

MIN_START_AGE = timedelta(seconds=61)
"""Incremental exports refuse a ``start_time`` within the last minute."""

RATINGS_LOOKBACK_DAYS = 30
"""A rating can change after it was first given (offered -> good -> bad) until its ticket closes
(by default 4 days after solving, at most 28), and the list filters on ``start_time`` only, so each
run asks again for the last 30 days before the cursor; unchanged ratings are dropped by dlt's
incremental filter, changed ones replace the old version."""

MAX_ATTEMPTS = 6
"""Attempts per request (first try included) on 429, 5xx and connection errors."""
BACKOFF_SECONDS = 1.0
"""First wait after a 5xx or connection error when the server sends no Retry-After; doubles per attempt."""
MAX_BACKOFF_SECONDS = 60.0
MAX_RETRY_AFTER_SECONDS = 600.0
"""A Retry-After longer than this fails the run instead of stalling it for that long."""
TIMEOUT_SECONDS = 60.0
