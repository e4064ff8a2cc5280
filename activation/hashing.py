"""Normalise identifiers and hash them with SHA-256, the way each ad platform matches them.

Ad platforms only ever receive hashes (never raw email or phone). They match on the hash of a
*normalised* value, so normalisation decides the match rate. The normalisation is the warehouse's
one rule for each identifier (:mod:`core.identifiers`, the same the dbt models apply):

* email, every platform: trimmed, lower-cased, and a valid address (``email-validator``).
* phone, Google Ads Customer Match: E.164 with the leading ``+`` (``+14155550134``).
* phone, Meta Custom Audiences: digits only with the country code, no ``+`` or leading zeros
  (``14155550134``).

Values that do not normalise (not an email, not an international number) give ``None``: they are
left out rather than sent as a hash that can never match. Phones get no default region: a national
number without its country code is refused rather than guessed (the marts already hold E.164).
"""

from __future__ import annotations

import hashlib

from core.identifiers import normalize_email, normalize_phone


def normalise_email(value: object) -> str | None:
    """Trimmed, lowercased email; ``None`` when it is not an email address."""
    return normalize_email(value)


def normalise_phone(value: object) -> str | None:
    """E.164 phone (``+14155550134``); ``None`` when it has no country code or is not a number.

    Formatting and an extension are dropped and a ``00`` international prefix becomes ``+``; a
    national number without country code cannot be made E.164 safely and is refused.
    """
    return normalize_phone(value)


def sha256_hex(value: str) -> str:
    """Lowercase hex SHA-256 of the UTF-8 bytes of ``value``."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def hashed_email(value: object) -> str | None:
    """SHA-256 of the normalised email (the same for Meta and Google)."""
    email = normalise_email(value)
    return sha256_hex(email) if email else None


def google_hashed_phone(value: object) -> str | None:
    """SHA-256 of the E.164 phone including ``+`` (Google Ads Customer Match)."""
    phone = normalise_phone(value)
    return sha256_hex(phone) if phone else None


def meta_hashed_phone(value: object) -> str | None:
    """SHA-256 of the phone as digits with country code and no ``+`` (Meta Custom Audiences)."""
    phone = normalise_phone(value)
    return sha256_hex(phone.lstrip("+")) if phone else None
