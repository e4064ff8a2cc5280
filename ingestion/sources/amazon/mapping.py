"""SP-API JSON and report rows -> rows with the landed column names of ``ingestion/contracts/amazon.yml``.

The contract's names are dlt's snake_case of the vendor's own (``OrderTotal.Amount`` ->
``order_total__amount``, ``amazon-order-id`` -> ``amazon_order_id``, ``Rater Email`` ->
``rater_email``), so records are flattened and renamed the way dlt would and only contract columns
are kept (what the contract does not list, e.g. a report's buyer phone, is not landed).

Values stay as Amazon sends them, with two exceptions for report timestamps, which must order
correctly as text for the incremental cursor: ISO timestamps with an offset become UTC
(``2024-05-01T07:48:44-07:00`` -> ``2024-05-01T14:48:44Z``), and the seller feedback report's
locale dates (``1/15/24``) become ISO dates (``2024-01-15``). Empty report cells become null.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from core.contracts import Table
from ingestion.sources import flatten, landed_key
from ingestion.sources.amazon import settings

Row = dict[str, Any]

_SLASH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def contract_row(table: Table, flat: Mapping[str, Any]) -> Row:
    """Only the contract's columns of a flattened record (missing ones as null)."""
    return {name: flat.get(name) for name in table.column_names}


def order_row(table: Table, order: Mapping[str, Any]) -> Row:
    return contract_row(table, flatten(order))


def order_item_row(table: Table, item: Mapping[str, Any], order_id: str) -> Row:
    return contract_row(table, {**flatten(item), "amazon_order_id": order_id})


def utc_timestamp(value: str) -> str:
    """An ISO 8601 timestamp with an offset as UTC ``…Z``; anything else unchanged."""
    text = value.strip()
    if len(text) <= 10:  # a date: no instant to convert
        return value
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        return value
    if parsed.tzinfo is None:
        return value
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def feedback_date(value: str, order: str = settings.FEEDBACK_DATE_ORDER) -> str:
    """The feedback report's date as ISO ``YYYY-MM-DD`` (``1/15/24`` -> ``2024-01-15`` for ``MDY``)."""
    text = value.strip()
    match = _SLASH_DATE.fullmatch(text)
    if match:
        first, second, year = (int(g) for g in match.groups())
        month, day = (first, second) if order == "MDY" else (second, first)
        try:
            return date(year + 2000 if year < 100 else year, month, day).isoformat()
        except ValueError:
            return value
    converted = utc_timestamp(text)
    return converted[:10] if _ISO_DATE.match(converted) else value


def report_row(table: Table, record: Mapping[str, str | None]) -> Row:
    """One report line (vendor headings) as a contract row."""
    flat: Row = {}
    for heading, value in record.items():
        if heading is None:  # more cells than headings
            continue
        cell = None if value is None or value.strip() == "" else value
        flat[landed_key(heading.strip())] = cell
    for column in table.columns:
        value = flat.get(column.name)
        if column.format == "timestamp" and isinstance(value, str):
            flat[column.name] = feedback_date(value) if table.name == "feedback" else utc_timestamp(value)
    return contract_row(table, flat)


def report_rows(table: Table, records: Iterable[Mapping[str, str | None]]) -> list[Row]:
    return [report_row(table, r) for r in records]
