"""A phone number as the warehouse keys it: E.164 (``+14155550134``), or ``None``.

The rule, written once (the dbt macro ``normalize_phone_e164`` is its set-based form, and
``tests/identifiers`` proves both agree on a shared table of tricky inputs):

1. ``phonenumbers`` parses what was typed: formatting and a leading ``tel:`` or label are
   ignored, an extension (``x12``, ``ext. 12``, ``#12``, ``;ext=12``) is dropped, vanity letters
   become keypad digits (``1-800-FLOWERS``), a ``+`` or the region's international prefix
   (``011`` in North America, ``00`` in most places) starts an international number, and a
   national number takes the calling code of ``region`` with its trunk prefix (``0``, or ``1`` in
   North America) dropped.
2. ``00`` before a number is read as the international prefix in every region (and without a
   region): no national number starts with it, and shoppers abroad type it.
3. The number is kept when its national part has a possible length for its country (not a
   local-only length) and matches the country's general number pattern
   (:mod:`core.identifiers.plan`), and is not one digit repeated (``555-555-5555``).

Without a region, only numbers written internationally (``+…``, ``00…``) normalise: a national
number cannot be completed safely (activation never guesses a country for an ad platform).
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers.phonemetadata import PhoneMetadata

from core.identifiers.plan import numbering_plan

E164_PATTERN = r"^\+[1-9][0-9]{6,14}$"
"""Every normalised phone number matches this (the data dictionary's ``e164`` format)."""

_START = re.compile(r"[+\uff10-\uff19\uff0b0-9]")
_DOUBLE_ZERO = re.compile(r"^0[^0-9+]*0(?=[^0-9]*[1-9])")


def region_code(value: str | None) -> str | None:
    """The ISO region of a code or English name (``us``, ``United States``); ``None`` when unknown."""
    region = numbering_plan().region(value)
    return region.code if region else None


def normalize_phone(value: object, region: str | None = None, *, country: str | None = None) -> str | None:
    """``value`` in E.164, or ``None`` when it is not a phone number (see the module docstring).

    National numbers take the region of ``country`` (ISO code or English name, e.g. the shipping
    country) when it is a known one, else ``region``; an unknown ``region`` counts as none.
    """
    if value is None:
        return None
    return _normalized(str(value).strip(), region_code(country) or region_code(region))


@lru_cache(maxsize=65_536)
def _normalized(text: str, code: str | None) -> str | None:
    """E.164 of ``text`` read in region ``code`` (cached: syncs and privacy requests ask again)."""
    start = _START.search(text)
    if not text or start is None:
        return None
    text = _double_zero_as_plus(text[start.start():], code)
    try:
        number = phonenumbers.parse(text, code)
    except phonenumbers.NumberParseException:
        return None
    calling_code = str(number.country_code)
    national = phonenumbers.national_significant_number(number)
    return f"+{calling_code}{national}" if numbering_plan().accepts(calling_code, national) else None


def _double_zero_as_plus(text: str, region: str | None) -> str:
    """``00 44 20 …`` -> ``+ 44 20 …`` unless ``region`` itself dials abroad with a prefix it matches."""
    if region is not None:
        pattern = PhoneMetadata.metadata_for_region(region).international_prefix
        if pattern and re.match(pattern, re.sub(r"[^0-9]", "", text)):
            return text
    return _DOUBLE_ZERO.sub("+", text, count=1)
