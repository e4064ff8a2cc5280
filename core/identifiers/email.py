"""An e-mail address as the warehouse keys it, and when it is one at all.

The rule, written once:

* **valid** is what ``email-validator`` (a maintained implementation of the RFCs as mail
  systems apply them) accepts without a DNS lookup: one ``@``, a dot-atom local part (no leading,
  trailing or doubled dot; no quoted strings), a domain of letters, digits and hyphens (or
  international letters: IDN domains) with a dot and a top-level domain that is not all digits,
  no special-use domain (``.local``, ``.test``, ``localhost`` …), no display name;
* **normalised** is the address trimmed of surrounding whitespace and lower-cased as typed
  (an IDN domain stays in the form it was typed: ``müller.de`` and ``xn--mller-kva.de`` are two
  keys);
* the **identity key** (:func:`email_identity_key`) also folds what one inbox receives under
  several spellings, as the identity rules ask (dbt vars ``identity_fold_plus_tags`` and
  ``identity_fold_gmail_dots``): a ``+tag`` dropped, Gmail's dots ignored, ``googlemail.com``
  read as ``gmail.com``.

The set-based form of the same rule is :data:`EMAIL_PATTERN` plus the domain checks of
:func:`email_sql` (DuckDB, for the landing contract check) and the dbt macro ``normalize_email``;
``tests/identifiers`` proves all of them agree with this module on a shared table of inputs.
"""

from __future__ import annotations

import re
from functools import lru_cache

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from core.sql import literal

_WHITESPACE = " \t\n\r\f\v"
# Non-ASCII is allowed (international addresses) except invisible and space characters, written as
# the characters themselves so Python's ``re`` and RE2 read the class alike.
_UNICODE = "[^\\x00-\\x7f\u00a0\u00ad\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]"
_ATOM = f"([a-z0-9!#$%&'*+/=?^_`{{|}}~-]|{_UNICODE})+"
_LABEL_CHAR = f"([a-z0-9]|{_UNICODE})"
_LABEL = f"{_LABEL_CHAR}(([a-z0-9-]|{_UNICODE}){{0,61}}{_LABEL_CHAR})?"

EMAIL_PATTERN = f"^{_ATOM}(\\.{_ATOM})*@({_LABEL}\\.)+{_LABEL}$"
"""The shape of a normalised address: lower case, dot-atom local part, dotted domain of labels.

Readable alike by Python's ``re``, RE2 (DuckDB, BigQuery), Postgres and Java (Spark).
"""
SPECIAL_USE_DOMAINS: tuple[str, ...] = tuple(SPECIAL_USE_DOMAIN_NAMES)
"""Domains that never receive mail (RFC 6761 and friends), as ``email-validator`` lists them."""
BAD_DOMAIN_PATTERN = "(.*[.])?([0-9]+|" + "|".join(SPECIAL_USE_DOMAINS) + ")|(.*[.])?([^.x][^.]|x[^.n])--.*"
"""Domains (matched whole) the shape cannot rule out: an all-digit or special-use top-level domain
(``.local``, ``localhost`` …), ``--`` in a label's third and fourth place that is not Punycode."""

_GMAIL_DOMAINS = ("gmail.com", "googlemail.com")


def normalize_email(value: object) -> str | None:
    """The address trimmed and lower-cased, or ``None`` when it is not a valid address."""
    return None if value is None else _normalized(str(value).strip(_WHITESPACE).lower())


@lru_cache(maxsize=65_536)
def _normalized(email: str) -> str | None:
    """``email`` when it is valid (cached: a sync asks again for the same address of each record)."""
    if not email:
        return None
    try:
        validate_email(email, check_deliverability=False, allow_display_name=False, allow_quoted_local=False,
                       allow_domain_literal=False, allow_empty_local=False)
    except EmailNotValidError:
        return None
    return email


def is_valid_email(value: object) -> bool:
    return normalize_email(value) is not None


def email_identity_key(value: object, *, fold_plus_tags: bool = True, fold_gmail_dots: bool = True) -> str | None:
    """The inbox an address reaches: ``Chris.Park+deals@googlemail.com`` -> ``chrispark@gmail.com``."""
    email = normalize_email(value)
    if email is None:
        return None
    local, domain = email.rsplit("@", 1)
    if fold_plus_tags:
        local = local.split("+", 1)[0]
    if fold_gmail_dots and domain in _GMAIL_DOMAINS:
        return local.replace(".", "") + "@gmail.com"
    return f"{local}@{domain}"


def email_sql(expression: str) -> str:
    """DuckDB SQL: the normalised address of ``expression``, NULL when it is not valid (the rule above)."""
    email = f"lower(trim({expression}, {literal(_WHITESPACE)}))"
    return (f"CASE WHEN regexp_full_match({email}, {literal(EMAIL_PATTERN)}) AND NOT regexp_full_match("
            f"split_part({email}, '@', 2), {literal(BAD_DOMAIN_PATTERN)}) THEN {email} END")


def matches_email_shape(value: str) -> bool:
    """Whether a normalised address passes the set-based form (pattern and domain checks)."""
    domain = value.rsplit("@", 1)[-1]
    return re.fullmatch(EMAIL_PATTERN, value) is not None and re.fullmatch(BAD_DOMAIN_PATTERN, domain) is None
