"""Customer identifiers, each normalised by one rule: e-mail addresses and phone numbers.

Python callers (ingestion's contract check, activation's hashing, privacy requests) use these
functions; dbt uses the macros ``normalize_email`` and ``normalize_phone_e164``, the set-based form
of the same rules, and ``tests/identifiers`` proves both agree on a shared table of tricky inputs.
"""

from core.identifiers.email import (
    EMAIL_PATTERN,
    email_identity_key,
    email_sql,
    is_valid_email,
    normalize_email,
)
from core.identifiers.phone import E164_PATTERN, normalize_phone, region_code
from core.identifiers.settings import default_phone_region

__all__ = [
    "E164_PATTERN",
    "EMAIL_PATTERN",
    "default_phone_region",
    "email_identity_key",
    "email_sql",
    "is_valid_email",
    "normalize_email",
    "normalize_phone",
    "region_code",
]
