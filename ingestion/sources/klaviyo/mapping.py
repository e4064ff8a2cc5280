"""Klaviyo JSON:API resources -> rows keyed by the landed names of ``ingestion/contracts/klaviyo.yml``.

A resource ``{"id", "attributes": {...}, "relationships": {...}}`` is flattened the way dlt lands
nested JSON: ``attributes.subscriptions.email.marketing.consent`` ->
``attributes__subscriptions__email__marketing__consent``, ``relationships.metric.data.id`` ->
``relationships__metric__data__id``, and each key goes through dlt's snake_case naming, so an event
property ``Campaign Name`` lands as ``attributes__event_properties__campaign_name`` exactly as the
export-file path lands it. Only contract columns are kept later (:func:`ingestion.sources.rows_to_arrow`):
custom profile ``properties`` and other fields the contract does not list never reach the warehouse.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ingestion.sources import flatten


def resources(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The resources of one JSON:API page, flattened (profiles, lists, metrics, events)."""
    return [flatten(resource) for resource in document.get("data") or [] if isinstance(resource, Mapping)]


def list_members(list_id: str, document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One ``list_members`` row per profile of a Get Profiles for List page."""
    rows = []
    for profile in document.get("data") or []:
        attributes = profile.get("attributes") or {}
        rows.append({"list_id": list_id, "profile_id": profile.get("id"),
                     "joined_group_at": attributes.get("joined_group_at")})
    return rows


def ids(document: Mapping[str, Any]) -> list[str]:
    """The resource ids of one page (used to walk the lists)."""
    return [resource["id"] for resource in document.get("data") or [] if resource.get("id")]
