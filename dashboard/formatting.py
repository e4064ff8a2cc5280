"""How numbers read on the dashboard (one place, so the browser test can read them back)."""

from __future__ import annotations

import math


def money(value: float | None, currency: str = "$") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if abs(value) >= 1_000_000:
        return f"{currency}{value / 1_000_000:,.2f}M"
    return f"{currency}{value:,.0f}" if abs(value) >= 1000 else f"{currency}{value:,.2f}"


def count(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.0f}"


def percent(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{100 * value:.1f}%"


def delta(current: float | None, previous: float | None) -> str | None:
    """Change against the previous period, as a percentage; None when there is nothing to compare."""
    if current is None or previous in (None, 0) or (isinstance(previous, float) and math.isnan(previous)):
        return None
    return f"{100 * (current - previous) / abs(previous):+.1f}%"
