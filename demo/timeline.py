"""The demo calendar: which days and hours people shop, with growth, a Q4 peak and sale spikes.

Every activity date is drawn from a per-day weight curve (inverse-CDF sampling, vectorised), so
seasonality shows in every table: orders, checkouts, pixel events, tickets. Times are epoch
seconds (int64, UTC) until a vendor module formats them in its own style.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

DAY = 86400
HOUR = 3600

# Relative activity by local hour of day: quiet at night, a lunch bump and an evening peak.
HOUR_WEIGHTS = np.array([0.6, 0.35, 0.2, 0.15, 0.15, 0.25, 0.5, 0.9, 1.2, 1.4, 1.5, 1.6, 1.8, 1.7, 1.5, 1.5,
                         1.6, 1.7, 1.9, 2.2, 2.4, 2.3, 1.8, 1.1])
# Relative activity by month (Jan..Dec) before the sale-day spikes.
MONTH_WEIGHTS = np.array([0.78, 0.8, 0.9, 0.95, 1.0, 0.95, 0.95, 0.95, 0.95, 1.05, 1.45, 1.55])
WEEKDAY_WEIGHTS = np.array([1.03, 1.0, 1.0, 1.02, 0.98, 0.95, 1.05])  # Mon..Sun
# Hours to add to local time to get UTC, by country (a fixed approximation; Shopify formats real DST).
UTC_OFFSET_HOURS = {"US": 5, "CA": 5, "GB": 0}


def black_friday(year: int) -> date:
    """The day after the fourth Thursday of November."""
    first = date(year, 11, 1)
    first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + timedelta(days=22)


def prime_day(year: int) -> date:
    """Amazon Prime Day, approximated as the second Tuesday of July (two days)."""
    first = date(year, 7, 1)
    return first + timedelta(days=(1 - first.weekday()) % 7 + 7)


@dataclass(frozen=True)
class Timeline:
    """Days from ``start`` to ``end`` (inclusive) with store and marketplace activity curves."""

    start: date
    end: date
    store_weights: np.ndarray = field(repr=False)
    amazon_weights: np.ndarray = field(repr=False)

    @property
    def days(self) -> int:
        return len(self.store_weights)

    @property
    def start_ts(self) -> int:
        return int((self.start - date(1970, 1, 1)).days) * DAY

    @property
    def end_ts(self) -> int:
        """The last second of ``end`` (UTC): nothing generated is later."""
        return self.start_ts + self.days * DAY - 1

    def day_start(self, day_index: np.ndarray) -> np.ndarray:
        return self.start_ts + np.asarray(day_index, dtype=np.int64) * DAY

    def sample_days(self, rng: np.random.Generator, n: int, after: np.ndarray | None = None,
                    amazon: bool = False) -> np.ndarray:
        """n day indexes drawn from the activity curve; with ``after``, each strictly after its own day."""
        cdf = self._cdf(amazon)
        low = np.zeros(n) if after is None else cdf[np.clip(np.asarray(after, dtype=np.int64), 0, self.days - 1)]
        u = low + (1.0 - low) * rng.random(n)
        return np.minimum(np.searchsorted(cdf, u, side="right"), self.days - 1).astype(np.int64)

    def sample_times(self, rng: np.random.Generator, days: np.ndarray, utc_offset_hours: np.ndarray | int = 5
                     ) -> np.ndarray:
        """Epoch seconds within the given days at realistic local hours, clipped to the timeline."""
        days = np.asarray(days, dtype=np.int64)
        hour = rng.choice(24, size=len(days), p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
        seconds = hour * HOUR + rng.integers(0, HOUR, size=len(days)) + np.asarray(utc_offset_hours) * HOUR
        return np.clip(self.day_start(days) + seconds, self.start_ts, self.end_ts)

    def day_of(self, secs: np.ndarray) -> np.ndarray:
        return np.clip((np.asarray(secs, dtype=np.int64) - self.start_ts) // DAY, 0, self.days - 1)

    def _cdf(self, amazon: bool) -> np.ndarray:
        weights = self.amazon_weights if amazon else self.store_weights
        cdf = np.cumsum(weights)
        return cdf / cdf[-1]


def build_timeline(end: date, years: int) -> Timeline:
    """The calendar ending at ``end``: ``years`` years back, with the business growing over time."""
    try:
        start = end.replace(year=end.year - years) + timedelta(days=1)
    except ValueError:  # 29 February
        start = end.replace(year=end.year - years, day=28) + timedelta(days=1)
    days = (end - start).days + 1
    dates = np.arange(np.datetime64(start), np.datetime64(end) + 1)
    month = dates.astype("datetime64[M]").astype(np.int64) % 12
    weekday = (dates.astype(np.int64) + 3) % 7
    growth = np.linspace(0.65, 1.35, days)
    base = growth * MONTH_WEIGHTS[month] * WEEKDAY_WEIGHTS[weekday]
    store = base.copy()
    amazon = base.copy()
    for year in range(start.year, end.year + 1):
        _spike(store, start, black_friday(year), [(-7, 1.4), (-6, 1.4), (-5, 1.5), (-4, 1.5), (-3, 1.6),
                                                  (-2, 1.6), (-1, 1.5), (0, 4.0), (1, 2.6), (2, 2.4),
                                                  (3, 3.5), (4, 1.5)])
        _spike(amazon, start, black_friday(year), [(0, 3.0), (1, 2.0), (2, 2.0), (3, 2.8)])
        _spike(amazon, start, prime_day(year), [(0, 3.2), (1, 3.0)])
        for day in range(21, 32):  # after the last shipping day before Christmas
            _spike(store, start, date(year, 12, day), [(0, 0.6)])
    return Timeline(start=start, end=end, store_weights=store, amazon_weights=amazon)


def _spike(weights: np.ndarray, start: date, anchor: date, factors: list[tuple[int, float]]) -> None:
    for offset, factor in factors:
        index = (anchor - start).days + offset
        if 0 <= index < len(weights):
            weights[index] *= factor
