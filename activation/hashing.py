"""Normalise identifiers and hash them with SHA-256, the way each ad platform matches them.

Ad platforms only ever receive hashes (never raw email or phone). They match on the hash of a
*normalised* value, so normalisation decides the match rate:

* email, every platform: trim surrounding whitespace, lowercase.
* phone, Google Ads Customer Match: E.164 with the leading ``+`` (``+14155550134``).
* phone, Meta Custom Audiences: digits only with the country code, no ``+`` or leading zeros
  (``14155550134``).

Values that do not normalise (not an email, not an international number) give ``None``: they are
left out rather than sent as a hash that can never match.
"""

from __future__ import annotations

import hashlib
import re

_EMAIL = re.compile(r"^[^@\s\"]+@[^@\s\"]+\.[^@\s\"]+$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_PHONE_NOISE = re.compile(r"[\s\-\.\(\)]")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def normalise_email(value: object) -> str | None:
    """Trimmed, lowercased email; ``None`` when it is not an email address."""
    if value is None:
        return None
    email = str(value).strip().lower()
    return email if _EMAIL.match(email) else None


def normalise_phone(value: object) -> str | None:
    """E.164 phone (``+14155550134``); ``None`` when it has no country code or is not a number.

    Spaces, dashes, dots and parentheses are removed and a ``00`` international prefix becomes
    ``+``; a national number without country code cannot be made E.164 safely and is refused.
    """
    if value is None:
        return None
    phone = _PHONE_NOISE.sub("", str(value).strip())
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    return phone if _E164.match(phone) else None


def sha256_hex(value: str) -> str:
    """Lowercase hex SHA-256 of the UTF-8 bytes of ``value``."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def is_sha256_hex(value: object) -> bool:
    return isinstance(value, str) and _SHA256.match(value) is not None


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
