"""dlt source of the Zendesk Support API -> ``raw_zendesk`` (contract ``zendesk.yml``).

Resources (named as the contract tables), then ``quarantine``:

====================  ==========================================  ============================================
resource              request                                     a later run asks for
====================  ==========================================  ============================================
users                 GET /api/v2/incremental/users/cursor.json   ``cursor=<after_cursor>`` saved at end of stream
tickets               GET /api/v2/incremental/tickets/cursor.json ``cursor=<after_cursor>`` saved at end of stream
satisfaction_ratings  GET /api/v2/satisfaction_ratings.json       ``start_time`` = cursor - 30 days (ratings change)
====================  ==========================================  ============================================

An export's first run starts at ``start_time`` = the start date. Its ``after_cursor`` is kept in
the resource state, which dlt commits with the load: a failed run resumes from the previous cursor.
The ``updated_at`` cursors are ``dlt.sources.incremental``; rows re-read at or before them are
dropped by its filter and de-duplication. Same landed columns as the ticket-export file path;
merge (delete-insert) on ``id``.

Configuration (dlt config/secrets, or environment variables): ``SOURCES__ZENDESK__SUBDOMAIN``
(``<subdomain>.zendesk.com``), and either ``SOURCES__ZENDESK__EMAIL`` + ``SOURCES__ZENDESK__API_TOKEN``
(secret) or ``SOURCES__ZENDESK__OAUTH_TOKEN`` (secret, wins when both are set);
``SOURCES__ZENDESK__START_DATE`` (optional, ISO date; default: everything).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import dlt
from dlt.common.typing import TSecretStrValue
from dlt.extract import DltResource

from core.contracts import load_contracts
from ingestion.landing_source import SCHEMA_CONTRACT
from ingestion.sources import ApiRun, Backoff, Page, start_timestamp
from ingestion.sources.zendesk import mapping, settings
from ingestion.sources.zendesk.client import ZendeskClient

SYSTEM = "zendesk"
CURSOR_STATE_KEY = "export_cursor"
"""Resource-state key of an incremental export's ``after_cursor`` at the end of the last run's stream."""


def epoch_seconds(cursor: str | None, lookback: timedelta = timedelta(0), now: datetime | None = None) -> int:
    """``start_time`` for a cursor value: Unix seconds, ``lookback`` earlier, never within the last minute."""
    if cursor is None:
        return 0
    when = datetime.fromisoformat(cursor)
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when
    latest = (now or datetime.now(UTC)) - settings.MIN_START_AGE
    return max(int(min(when - lookback, latest).timestamp()), 0)


@dlt.source(name=SYSTEM, section=SYSTEM, max_table_nesting=0, schema_contract=SCHEMA_CONTRACT)
def source(
    subdomain: str | None = None,
    email: str | None = None,
    api_token: TSecretStrValue | None = None,
    oauth_token: TSecretStrValue | None = None,
    start_date: str | None = None,
    base_url: str | None = None,
    ratings_lookback_days: int = settings.RATINGS_LOOKBACK_DAYS,
    backoff_scale: float = 1.0,
) -> list[DltResource]:
    """Zendesk Support data changed since each table's cursor (first run: since ``start_date``).

    ``base_url`` replaces ``https://<subdomain>.zendesk.com`` (tests point it at a local server);
    ``backoff_scale`` multiplies every wait (tests use a tiny one).
    """
    if not base_url:
        if not subdomain:
            raise ValueError("zendesk: set SOURCES__ZENDESK__SUBDOMAIN (or SOURCES__ZENDESK__BASE_URL)")
        base_url = settings.BASE_URL_TEMPLATE.format(subdomain=subdomain.strip())
    client = ZendeskClient(
        base_url,
        email=email,
        api_token=api_token,
        oauth_token=oauth_token,
        backoff=Backoff(settings.MAX_ATTEMPTS, settings.BACKOFF_SECONDS, settings.MAX_BACKOFF_SECONDS,
                        scale=backoff_scale),
    )
    run = ApiRun(load_contracts()[SYSTEM])
    start = start_timestamp(start_date)
    lookback = timedelta(days=ratings_lookback_days)

    def export(table: str, path: str, since: str | None) -> Iterator[Page]:
        """Every export page from the saved cursor (first run: from ``since``); saves the new cursor."""
        state = dlt.current.resource_state()
        saved = state.get(CURSOR_STATE_KEY)
        pages = client.export(path, table, cursor=saved, start_time=None if saved else epoch_seconds(since))
        for page in pages:
            yield {table: mapping.rows(page.records)}
            if page.after_cursor:
                state[CURSOR_STATE_KEY] = page.after_cursor

    def users(since: str | None) -> Iterator[Page]:
        yield from export("users", settings.USERS_EXPORT_PATH, since)

    def tickets(since: str | None) -> Iterator[Page]:
        yield from export("tickets", settings.TICKETS_EXPORT_PATH, since)

    def satisfaction_ratings(since: str | None) -> Iterator[Page]:
        params = {"start_time": epoch_seconds(since, lookback), "page[size]": settings.RATINGS_PAGE_SIZE}
        for records in client.paginate(settings.SATISFACTION_RATINGS_PATH, "satisfaction_ratings", params):
            yield {"satisfaction_ratings": mapping.rows(records)}

    return [
        *run.cursor_resources("users", users, initial_value=start),
        *run.cursor_resources("tickets", tickets, initial_value=start),
        *run.cursor_resources("satisfaction_ratings", satisfaction_ratings, initial_value=start),
        run.quarantine_resource(),
    ]
