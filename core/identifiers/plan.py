"""The world's phone numbering plans, as the one table both forms of phone normalisation read.

Derived from the metadata of ``phonenumbers`` (Google's libphonenumber, kept current with every
numbering-plan change), so neither Python nor SQL keeps a hand-written list of calling codes:

* per region (ISO 3166 alpha-2): its calling code, its trunk prefix (the ``0`` of ``020 …`` that
  is dropped after a country code) and the international prefix dialled from it (``011`` in
  North America, ``00`` in most of the world);
* per calling code: the possible lengths of a national number, and its general number pattern
  (the union of the patterns of the regions sharing the code);
* English region names (and a few common aliases), for systems that store ``United States``
  instead of ``US``.

:mod:`core.identifiers.phone` checks numbers against it; ``dbt_project/macros/phone_numbering_plan.sql``
is rendered from it (``python -m core.identifiers.macros``), and a test fails when that file drifts.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

import phonenumbers
from phonenumbers.geodata.locale import LOCALE_DATA
from phonenumbers.phonemetadata import PhoneMetadata

NAME_ALIASES = {
    "USA": "US", "U.S.A.": "US", "U.S.": "US", "UNITED STATES OF AMERICA": "US",
    "UK": "GB", "U.K.": "GB", "GREAT BRITAIN": "GB", "ENGLAND": "GB", "SCOTLAND": "GB", "WALES": "GB",
    "NORTHERN IRELAND": "GB", "HOLLAND": "NL", "THE NETHERLANDS": "NL", "DEUTSCHLAND": "DE",
    "SOUTH KOREA": "KR", "KOREA": "KR", "RUSSIA": "RU", "CZECH REPUBLIC": "CZ",
}
"""Names people and systems use that are not the plan's English region name."""


@dataclass(frozen=True)
class Region:
    code: str  # ISO 3166 alpha-2
    calling_code: str
    trunk_prefix: str  # "" when the region has none
    international_prefix: str  # the plain digits dialled abroad; "" when only a pattern is known


@dataclass(frozen=True)
class NumberingPlan:
    regions: dict[str, Region]
    names: dict[str, str]  # upper-case English name or alias -> region code
    lengths: dict[str, tuple[int, ...]]  # calling code -> possible national number lengths
    patterns: dict[str, str]  # calling code -> general national number pattern (portable regex)
    trunk_prefixes: dict[str, str]  # calling code -> trunk prefix ("" when none)

    def region(self, value: str | None) -> Region | None:
        """The region of an ISO code or English name (any case, surrounding spaces ignored)."""
        key = (value or "").strip().upper()
        return self.regions.get(self.names.get(key, key))

    def accepts(self, calling_code: str, national_number: str) -> bool:
        """Whether ``+<calling_code><national_number>`` is a number.

        It is when the national number has a possible length, matches the general pattern and is
        not one digit repeated (a placeholder)."""
        if calling_code not in self.lengths or len(national_number) not in self.lengths[calling_code]:
            return False
        if len(set(national_number)) == 1:  # one repeated digit: a placeholder, not a number
            return False
        return re.fullmatch(self.patterns[calling_code], national_number) is not None

    def codes(self) -> list[str]:
        """Every calling code, shortest first."""
        return sorted(self.lengths, key=lambda cc: (len(cc), cc))


def portable_regex(pattern: str) -> str:
    """libphonenumber's pattern syntax (``\\d``, ``(?:``) in the subset every warehouse's regex engine reads."""
    return pattern.replace("(?:", "(").replace("\\d", "[0-9]")


def length_runs(lengths: tuple[int, ...]) -> list[tuple[int, int]]:
    """``(7, 9, 10)`` -> ``[(7, 7), (9, 10)]``: consecutive lengths as ranges."""
    runs: list[tuple[int, int]] = []
    for length in sorted(lengths):
        if runs and runs[-1][1] == length - 1:
            runs[-1] = (runs[-1][0], length)
        else:
            runs.append((length, length))
    return runs


def _english_name(code: str) -> str | None:
    names = LOCALE_DATA.get(code) or {}
    name = names.get("en")
    while isinstance(name, str) and name.startswith("*"):
        name = names.get(name[1:])
    return name or None


def _international_prefix(metadata: PhoneMetadata) -> str:
    for candidate in (metadata.preferred_international_prefix, metadata.international_prefix):
        if candidate and candidate.isdigit():
            return candidate
    return ""


@cache
def numbering_plan() -> NumberingPlan:
    """The plan of the installed ``phonenumbers`` release."""
    regions: dict[str, Region] = {}
    patterns: dict[str, list[str]] = defaultdict(list)
    lengths: dict[str, tuple[int, ...]] = {}
    trunks: dict[str, str] = {}
    for code in sorted(phonenumbers.SUPPORTED_REGIONS):
        metadata = PhoneMetadata.metadata_for_region(code)
        calling_code = str(metadata.country_code)
        regions[code] = Region(code, calling_code, metadata.national_prefix or "", _international_prefix(metadata))
        patterns[calling_code].append(metadata.general_desc.national_number_pattern)
    for number in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        metadata = PhoneMetadata.metadata_for_nongeo_region(number)
        patterns[str(number)].append(metadata.general_desc.national_number_pattern)
    for calling_code in patterns:
        main = phonenumbers.region_code_for_country_code(int(calling_code))
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(int(calling_code), main)
        lengths[calling_code] = tuple(metadata.general_desc.possible_length)
        trunks[calling_code] = metadata.national_prefix or ""
    names = {name.upper(): code for code in regions if (name := _english_name(code))}
    names.update(NAME_ALIASES)
    return NumberingPlan(
        regions=regions,
        names=dict(sorted(names.items())),
        lengths=lengths,
        patterns={cc: portable_regex("|".join(dict.fromkeys(p))) for cc, p in patterns.items()},
        trunk_prefixes=trunks,
    )
