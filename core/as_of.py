"""The one as-of resolver: the reference moment of every time-dependent rule, from one definition.

Recency, lifecycle, triggers, cohorts, CLV and the checks all look back from one moment, the
run's *as-of*. It is given as a date or a timestamp:

* a **date** (``2026-10-31``) means the **end of that day, inclusive** (23:59:59.999999 UTC), so an
  order placed at 23:59:59 on the as-of day counts everywhere: in dbt (``created_at <= as_of``)
  and in the CLV summary (``purchase day <= as-of day``);
* a **timestamp** (``2026-10-31T14:00:00``, ``2026-10-31 14:00:00+02:00``) is taken as given,
  converted to UTC; a timestamp without an offset is UTC.

Without a value, a demo run uses the demo data's last day and every other run uses now. dbt
receives the resolved moment (``AsOf.dbt_var``), never a bare date, so the macro
``as_of_timestamp()`` and Python agree by construction; the macro applies the same end-of-day
rule when someone passes a bare date to dbt directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

END_OF_DAY = time(23, 59, 59, 999999)
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class AsOfError(ValueError):
    """An as-of value that is neither a date nor a timestamp; the message shows the forms accepted."""


@dataclass(frozen=True)
class AsOf:
    """The resolved reference moment (naive UTC, inclusive upper bound) and where it came from."""

    moment: datetime
    origin: str
    """``given``, ``demo end date`` or ``now``."""

    @property
    def day(self) -> date:
        """The as-of day: every purchase on or before it counts (CLV, day-grain marts)."""
        return self.moment.date()

    @property
    def dbt_var(self) -> str:
        """The value of dbt's ``as_of`` var: the exact moment, so dbt never re-interprets a date."""
        return self.moment.isoformat(sep=" ", timespec="microseconds")

    @property
    def label(self) -> str:
        """Readable form for summaries: the day when it is the end of a day, else the timestamp."""
        text = self.day.isoformat() if self.moment.time() == END_OF_DAY else self.moment.isoformat(sep=" ")
        return f"{text} ({self.origin})"

    def to_json(self) -> str:
        return self.moment.isoformat(timespec="microseconds")


def parse_as_of(value: str | date | datetime) -> datetime:
    """The inclusive moment a value means (naive UTC); :class:`AsOfError` when it is neither form."""
    if isinstance(value, datetime):
        return _to_naive_utc(value)
    if isinstance(value, date):
        return datetime.combine(value, END_OF_DAY)
    text = str(value).strip()
    if _DATE_ONLY.match(text):
        try:
            return datetime.combine(date.fromisoformat(text), END_OF_DAY)
        except ValueError:
            raise AsOfError(f"as-of {text!r} is not a calendar date") from None
    try:
        return _to_naive_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        raise AsOfError(f"as-of {text!r} is neither a date (YYYY-MM-DD, the end of that day) nor a timestamp "
                        "(YYYY-MM-DDTHH:MM[:SS][+HH:MM], UTC when no offset is given)") from None


def _to_naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def resolve_as_of(value: str | date | datetime | None, demo_end: date | None = None,
                  now: datetime | None = None) -> AsOf:
    """The run's as-of: ``value`` when given, else the end of the demo's last day (demo data), else now."""
    if value is not None and str(value).strip() not in ("", "now"):
        return AsOf(parse_as_of(value), "given")
    if demo_end is not None:
        return AsOf(parse_as_of(demo_end), "demo end date")
    return AsOf(_to_naive_utc(now or datetime.now(UTC)), "now")


def stale_by(as_of: AsOf, newest_data: datetime | None) -> timedelta | None:
    """How far the newest data lies before the as-of (``None`` when there is no data)."""
    if newest_data is None:
        return None
    return as_of.moment - _to_naive_utc(newest_data)
