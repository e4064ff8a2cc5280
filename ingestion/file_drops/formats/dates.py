"""Report dates in the spellings Seller Central has used, re-spelt as ISO 8601 (the same instant).

Amazon's flat-file reports write ISO 8601 with an offset today (``2024-05-04T14:22:51+00:00``);
older downloads, other marketplaces and the Seller Central pages write ``2024-05-04 07:22:51 PDT``,
``05/04/2024 14:22:51``, ``04.05.2024 14:22:51`` or ``May 4, 2024 2:22:51 PM PDT``. The contract
wants text DuckDB reads as a timestamp, so each value becomes:

- ``YYYY-MM-DDTHH:MM:SS±HH:MM`` when the value names an offset or a zone abbreviation
  (:data:`ZONES`; ``Z``/``UTC``/``GMT`` become ``Z``), the same instant;
- ``YYYY-MM-DDTHH:MM:SS`` when it names none (read as UTC downstream), ``YYYY-MM-DD`` for a date;
- unchanged when it matches no known spelling: the contract check then quarantines the row with
  ``malformed timestamp``, never a guess.

Slash dates are ambiguous (US ``MM/DD/YYYY``, elsewhere ``DD/MM/YYYY``): the whole file is read one
way, day first when any slash date's first number exceeds 12, month first otherwise (Seller
Central US). Dotted dates (``DD.MM.YYYY``) are always day first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

import pyarrow as pa

ZONES: dict[str, str] = {
    "UTC": "Z", "GMT": "Z", "Z": "Z",
    "PST": "-08:00", "PDT": "-07:00", "MST": "-07:00", "MDT": "-06:00", "CST": "-06:00", "CDT": "-05:00",
    "EST": "-05:00", "EDT": "-04:00", "AKST": "-09:00", "AKDT": "-08:00", "HST": "-10:00",
    "BST": "+01:00", "WET": "+00:00", "WEST": "+01:00", "CET": "+01:00", "CEST": "+02:00", "MEZ": "+01:00",
    "MESZ": "+02:00", "IST": "+05:30", "JST": "+09:00", "AEST": "+10:00", "AEDT": "+11:00",
}
"""Zone abbreviations Seller Central writes (North America, Europe, India, Japan, Australia)."""

_TIME = r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:\s*([AaPp][Mm]))?)?"
_ZONE = r"(?:\s*(Z|[A-Z]{2,5}|[+-]\d{2}:?\d{2}))?"
_ISO = re.compile(rf"(\d{{4}})-(\d{{1,2}})-(\d{{1,2}}){_TIME}{_ZONE}")
_SLASH = re.compile(rf"(\d{{1,2}})/(\d{{1,2}})/(\d{{4}}|\d{{2}}){_TIME}{_ZONE}")
_DOTTED = re.compile(rf"(\d{{1,2}})\.(\d{{1,2}})\.(\d{{4}}){_TIME}{_ZONE}")
_NAMED = re.compile(rf"([A-Za-z]{{3}})[a-z]*\.? (\d{{1,2}}), (\d{{4}}){_TIME}{_ZONE}")
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                       "dec"), start=1)}


def day_first(values: Iterable[str | None]) -> bool:
    """True when the file's slash dates must be day first (some first number is above 12)."""
    for value in values:
        match = _SLASH.fullmatch(value.strip()) if value else None
        if match and int(match.group(1)) > 12:
            return True
    return False


def iso(value: str | None, *, dayfirst: bool = False) -> str | None:
    """One report date re-spelt as ISO 8601 (see the module docstring); unknown spellings unchanged."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    for pattern, order in ((_ISO, "ymd"), (_SLASH, "dmy" if dayfirst else "mdy"), (_DOTTED, "dmy"), (_NAMED, "Mdy")):
        match = pattern.fullmatch(text)
        if match:
            return _build(match, order) or value
    return value


def _build(match: re.Match[str], order: str) -> str | None:
    first, second, third, hour, minute, sec, meridiem, zone = match.groups()
    if order == "ymd":
        year, month, day = int(first), int(second), int(third)
    elif order == "Mdy":
        month, day, year = _MONTHS.get(first.lower()[:3], 0), int(second), int(third)
    else:
        (day, month), year = ((int(first), int(second)) if order == "dmy" else (int(second), int(first))), int(third)
    year += 2000 if year < 100 else 0
    offset = _offset(zone)
    if offset is None:
        return None
    try:
        if hour is None:
            return datetime(year, month, day).strftime("%Y-%m-%d") if not zone else None
        clock = int(hour) % 12 + (12 if meridiem and meridiem.lower() == "pm" else 0) if meridiem else int(hour)
        moment = datetime(year, month, day, clock, int(minute), int(sec or 0))
    except ValueError:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + offset


def _offset(zone: str | None) -> str | None:
    """``+HH:MM``, ``Z`` or ``""`` (none given); None for an abbreviation not in :data:`ZONES`."""
    if not zone:
        return ""
    if zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        return "Z" if digits == "0000" else f"{zone[0]}{digits[:2]}:{digits[2:]}"
    return ZONES.get(zone.upper())


def with_iso_dates(table: pa.Table, columns: Iterable[str]) -> pa.Table:
    """``table`` with each of ``columns`` (text) re-spelt by :func:`iso`, slash dates read one way per file."""
    present = [c for c in columns if c in table.column_names]
    dayfirst = day_first(v for c in present for v in table[c].to_pylist())
    for column in present:
        values = [iso(v, dayfirst=dayfirst) for v in table[column].to_pylist()]
        table = table.set_column(table.column_names.index(column), column, pa.array(values, pa.string()))
    return table
