"""dlt source of the Klaviyo API -> ``raw_klaviyo`` (contract ``klaviyo.yml``).

Resources (named as the contract tables), then ``quarantine``:

==============  ==========================================  ===============================================
resource        request                                     a later run asks for
==============  ==========================================  ===============================================
profiles        GET /api/profiles + subscriptions (consent)  ``greater-than(updated, cursor - 1 s)``
lists           GET /api/lists                              ``greater-than(updated, cursor - 1 s)``
list_members    GET /api/lists/{id}/profiles, every list    ``greater-or-equal(joined_group_at, cursor)``
metrics         GET /api/metrics                            everything (a few dozen; no cursor in the contract)
events          GET /api/events                             ``greater-or-equal(datetime, cursor)``
==============  ==========================================  ===============================================

The cursors are ``dlt.sources.incremental`` on the contract cursor columns; rows re-read at the
cursor are dropped by its de-duplication on the primary key. Same landed columns as the export-file
path; merge (delete-insert) on the contract keys.

Configuration (dlt config/secrets, or environment variables): ``SOURCES__KLAVIYO__API_KEY``
(secret: a private key with read scopes for profiles, lists, metrics, events),
``SOURCES__KLAVIYO__START_DATE`` (optional, ISO date; default: everything),
``SOURCES__KLAVIYO__BASE_URL`` (default ``https://a.klaviyo.com``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import dlt
import pyarrow as pa
from dlt.common.typing import TSecretStrValue
from dlt.extract import DltResource

from core.contracts import load_contracts
from ingestion.landing_source import SCHEMA_CONTRACT
from ingestion.sources import ApiRun, Backoff, Page, start_timestamp
from ingestion.sources.klaviyo import mapping, settings
from ingestion.sources.klaviyo.client import KlaviyoClient

SYSTEM = "klaviyo"


def klaviyo_time(timestamp: str | None) -> str | None:
    """A timestamp in Klaviyo's own spelling (``2024-01-01T00:00:00+00:00``), so text order is time order."""
    if timestamp is None:
        return None
    return datetime.fromisoformat(timestamp).astimezone(UTC).isoformat(timespec="seconds")


def filter_time(cursor: str | None, overlap: timedelta = timedelta(0)) -> str | None:
    """A cursor value for a Klaviyo ``filter=``: whole seconds in UTC, ``overlap`` earlier."""
    if cursor is None:
        return None
    when = datetime.fromisoformat(cursor)
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return (when.replace(microsecond=0) - overlap).strftime("%Y-%m-%dT%H:%M:%SZ")


def with_filter(params: dict[str, object], expression: str | None) -> dict[str, object]:
    return {**params, "filter": expression} if expression else params


@dlt.source(name=SYSTEM, section=SYSTEM, max_table_nesting=0, schema_contract=SCHEMA_CONTRACT)
def source(
    api_key: TSecretStrValue = dlt.secrets.value,
    start_date: str | None = None,
    base_url: str = settings.BASE_URL,
    revision: str = settings.REVISION,
    backoff_scale: float = 1.0,
) -> list[DltResource]:
    """Klaviyo account data changed since each table's cursor (first run: since ``start_date``).

    ``base_url`` replaces ``https://a.klaviyo.com`` (tests point it at a local server);
    ``backoff_scale`` multiplies every wait (tests use a tiny one).
    """
    client = KlaviyoClient(
        api_key,
        base_url=base_url,
        revision=revision,
        backoff=Backoff(settings.MAX_ATTEMPTS, settings.BACKOFF_SECONDS, settings.MAX_BACKOFF_SECONDS,
                        scale=backoff_scale),
    )
    run = ApiRun(load_contracts()[SYSTEM])
    start = klaviyo_time(start_timestamp(start_date))

    def collection(table: str, path: str, params: dict[str, object]) -> Iterator[Page]:
        for document in client.paginate(path, params):
            yield {table: mapping.resources(document)}

    def profiles(since: str | None) -> Iterator[Page]:
        moment = filter_time(since, settings.STRICT_FILTER_OVERLAP)
        params = {"additional-fields[profile]": "subscriptions", "page[size]": settings.PROFILES_PAGE_SIZE,
                  "sort": "updated"}
        yield from collection("profiles", settings.PROFILES_PATH,
                              with_filter(params, moment and f"greater-than(updated,{moment})"))

    def lists(since: str | None) -> Iterator[Page]:
        moment = filter_time(since, settings.STRICT_FILTER_OVERLAP)
        yield from collection("lists", settings.LISTS_PATH,
                              with_filter({"sort": "updated"}, moment and f"greater-than(updated,{moment})"))

    def list_members(since: str | None) -> Iterator[Page]:
        moment = filter_time(since)
        params = with_filter({"fields[profile]": "joined_group_at", "page[size]": settings.LIST_PROFILES_PAGE_SIZE,
                              "sort": "joined_group_at"},
                             moment and f"greater-or-equal(joined_group_at,{moment})")
        # every list, not only changed ones: a list's `updated` does not move when someone joins
        for list_page in client.paginate(settings.LISTS_PATH, {"fields[list]": "name"}):
            for list_id in mapping.ids(list_page):
                for document in client.paginate(settings.LIST_PROFILES_PATH.format(list_id=list_id), params):
                    yield {"list_members": mapping.list_members(list_id, document)}

    def events(since: str | None) -> Iterator[Page]:
        moment = filter_time(since)
        yield from collection("events", settings.EVENTS_PATH,
                              with_filter({"sort": "datetime"}, moment and f"greater-or-equal(datetime,{moment})"))

    def metrics() -> Iterator[pa.Table]:
        """Every metric, read and checked whole at the first ask (a few dozen rows).

        Metrics have no cursor in the contract, so this is a plain resource. Checking everything
        before the first yield puts its quarantine rows in the run before ``quarantine`` (listed
        after it) is first asked, without taking part in the started/finished bookkeeping.
        """
        rows = [row for document in client.paginate(settings.METRICS_PATH) for row in mapping.resources(document)]
        if rows:
            valid = run.check("metrics", rows)
            if valid.num_rows:
                yield valid

    return [
        *run.cursor_resources("profiles", profiles, initial_value=start),
        *run.cursor_resources("lists", lists, initial_value=start, cursor_value_missing="include"),
        *run.cursor_resources("list_members", list_members, initial_value=start, cursor_value_missing="include"),
        dlt.resource(metrics, **run.hints("metrics")),
        *run.cursor_resources("events", events, initial_value=start),
        run.quarantine_resource(),
    ]
