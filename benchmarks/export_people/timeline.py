"""The store's clock: its time zone, the days the invented history spans, the export and as-of days."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

STORE_TZ = ZoneInfo("America/New_York")
FIRST_DAY = datetime(2024, 1, 2, tzinfo=UTC)
LAST_DAY = datetime(2026, 6, 20, tzinfo=UTC)
EXPORTED_AT = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
"""When the files were downloaded (their modification time): the customers export has no dates."""
AS_OF = "2026-07-01"


def store_time(moment: datetime) -> str:
    """Shopify's and Zendesk's admin-export spelling: ``2024-05-01 10:00:00 -0400`` (store time zone)."""
    return moment.astimezone(STORE_TZ).strftime("%Y-%m-%d %H:%M:%S %z")


def utc_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
