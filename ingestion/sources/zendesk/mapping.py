"""Zendesk JSON records -> rows keyed by the landed names of ``ingestion/contracts/zendesk.yml``.

Nested objects are flattened the way dlt lands JSON (``via.channel`` -> ``via__channel``); the
``tags`` list becomes comma-separated text, as the ticket export files carry it. Fields the contract
does not list (descriptions, custom fields, user notes) are dropped before landing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ingestion.sources import flatten

LIST_AS_TEXT = ("tags",)


def row(record: Mapping[str, Any]) -> dict[str, Any]:
    """One ticket, user or satisfaction rating as a landed row."""
    flat = flatten(record)
    for name in LIST_AS_TEXT:
        value = flat.get(name)
        if isinstance(value, list):
            flat[name] = ",".join(str(v) for v in value)
    return flat


def rows(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [row(record) for record in records if isinstance(record, Mapping)]
