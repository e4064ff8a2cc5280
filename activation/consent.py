"""The send-time consent guard: the last check before a record leaves the warehouse.

The diff already filters on consent in SQL. This guard checks every record again in Python right
before it is handed to a destination, so a mistake in SQL, a stale plan or a hand-built record can
never send a person without consent. A missing (null) consent flag counts as *no* consent; a null
``is_suppressed`` counts as not suppressed (the contract says it is true for unsubscribed, bounced,
complained and erased people).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from activation.records import OutRecord

log = logging.getLogger(__name__)

CONSENT_COLUMNS = {"email": "consent_email", "sms": "consent_sms", "ads": "consent_ads"}


def consent_column(requirement: str) -> str | None:
    """Audience column holding the consent a sync requires (``None`` for ``consent: none``)."""
    if requirement == "none":
        return None
    try:
        return CONSENT_COLUMNS[requirement]
    except KeyError:
        raise ValueError(f"unknown consent requirement {requirement!r}") from None


def block_reason(record: OutRecord, requirement: str) -> str | None:
    """Why ``record`` must not be sent under ``requirement``; ``None`` when it may be sent."""
    if record.erased:
        return "erased"
    if record.suppressed:
        return "suppressed"
    if requirement != "none" and record.consent is not True:
        return f"no {requirement} consent"
    return None


def guard(records: Iterable[OutRecord], requirement: str) -> tuple[list[OutRecord], list[tuple[OutRecord, str]]]:
    """Split records into (allowed, blocked-with-reason). Blocked records are logged by id only."""
    allowed: list[OutRecord] = []
    blocked: list[tuple[OutRecord, str]] = []
    for record in records:
        reason = block_reason(record, requirement)
        if reason is None:
            allowed.append(record)
        else:
            blocked.append((record, reason))
            log.warning("consent guard blocked customer %s: %s", record.customer_id, reason)
    return allowed, blocked
