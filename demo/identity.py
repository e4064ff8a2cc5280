"""How each system renders a true person: the messy e-mails, phones, names and addresses.

Identity resolution is scored against these traps: case and stray whitespace in e-mails, Gmail
dots and ``+tags``, rare domain typos, phones in many national and international formats,
``Street``/``St.`` and case variants of one address. Every function works on whole arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from demo import refdata
from demo.people import COUNTRIES, Persons
from demo.vector import choose, join, pick, where

PLUS_TAGS = ("shop", "store", "deals", "orders", "promo", "news", "amazon")


@dataclass(frozen=True)
class EmailStyle:
    """Share of rows rendered with each kind of variation (each applied independently)."""

    case: float = 0.0  # "Jane.Doe@Gmail.com", "JANE.DOE@GMAIL.COM"
    pad: float = 0.0  # "  jane.doe@gmail.com "
    gmail_dots: float = 0.0  # "janedoe@gmail.com" for "jane.doe@gmail.com" (same Gmail inbox)
    plus_tag: float = 0.0  # "jane.doe+shop@gmail.com"
    typo: float = 0.0  # "jane.doe@gmial.com"


def take(values: pa.Array, index: np.ndarray) -> pa.Array:
    return values.take(pa.array(np.asarray(index, dtype=np.int64)))


def render_email(rng: np.random.Generator, persons: Persons, index: np.ndarray, style: EmailStyle) -> pa.Array:
    """The person's canonical e-mail as typed into one system, with the style's variations."""
    n = len(index)
    local = take(persons.email_local, index)
    domain = take(persons.email_domain, index)
    is_gmail = pc.equal(domain, "gmail.com").to_numpy(zero_copy_only=False)
    dotted = pc.match_substring(local, ".").to_numpy(zero_copy_only=False)
    undotted = is_gmail & dotted & (rng.random(n) < style.gmail_dots)
    local = where(undotted, pc.replace_substring(local, ".", ""), local)
    tagged = rng.random(n) < style.plus_tag
    local = where(tagged, join(local, "+", pick(PLUS_TAGS, rng.integers(0, len(PLUS_TAGS), n))), local)
    typo_domain = pc.fill_null(_typo_domains(domain), domain)
    domain = where(rng.random(n) < style.typo, typo_domain, domain)
    email = join(local, "@", domain)
    case = rng.random(n) < style.case
    cased = choose(rng.integers(0, 3, n), pc.utf8_capitalize(email), pc.utf8_upper(email),
                   join(pc.utf8_title(local), "@", pc.utf8_capitalize(domain)))
    email = where(case, cased, email)
    pad = rng.random(n) < style.pad
    padded = choose(rng.integers(0, 3, n), join("  ", email, " "), join(email, " "), join(" ", email))
    return where(pad, padded, email)


def _typo_domains(domain: pa.Array) -> pa.Array:
    keys = pa.array(list(refdata.DOMAIN_TYPOS), pa.string())
    values = pa.array(list(refdata.DOMAIN_TYPOS.values()), pa.string())
    return values.take(pc.index_in(domain, value_set=keys))


# Phone formats: (share, US/Canada rendering, UK rendering); parts a/b/c of the national number.
PHONE_FORMATS = ("e164", "paren", "dots", "spaced_intl", "digits", "exit_code", "dashes", "trunk_paren")


def render_phone(rng: np.random.Generator, persons: Persons, index: np.ndarray,
                 weights: tuple[float, ...] = (0.2, 0.2, 0.1, 0.1, 0.15, 0.05, 0.15, 0.05)) -> pa.Array:
    """The person's phone number typed in one of eight formats (weights follow ``PHONE_FORMATS``)."""
    n = len(index)
    national = take(persons.phone_national, index)
    uk = persons.country[index] == COUNTRIES.index("GB")
    a, b, c = (pc.utf8_slice_codeunits(national, 0, 3), pc.utf8_slice_codeunits(national, 3, 6),
               pc.utf8_slice_codeunits(national, 6, 10))
    north_america = [
        join("+1", national), join("(", a, ") ", b, "-", c), join(a, ".", b, ".", c),
        join("+1 ", a, " ", b, " ", c), national, join("001-", a, "-", b, "-", c), join(a, "-", b, "-", c),
        join("1 (", a, ") ", b, "-", c),
    ]
    head, tail = pc.utf8_slice_codeunits(national, 0, 4), pc.utf8_slice_codeunits(national, 4, 10)
    british = [
        join("+44", national), join("0", head, " ", tail), join("+44 (0)", head, " ", tail),
        join("+44 ", head, " ", tail), join("0", national), join("0044 ", head, " ", tail),
        join("0", head, "-", tail), join("+44 ", national),
    ]
    weights_array = np.asarray(weights, dtype=float)
    fmt = rng.choice(len(PHONE_FORMATS), size=n, p=weights_array / weights_array.sum())
    return where(uk, choose(fmt, *british), choose(fmt, *north_america))


def e164(persons: Persons, index: np.ndarray | None = None) -> pa.Array:
    """The canonical E.164 number (``+14155550134``)."""
    index = np.arange(len(persons)) if index is None else index
    cc = pa.array(persons.phone_cc[index]).cast(pa.string())
    return join("+", cc, take(persons.phone_national, index))


def canonical_address(persons: Persons, index: np.ndarray | None = None) -> pa.Array:
    """``123 Maple Street, Apt 4B``: the truth form of the first address line."""
    index = np.arange(len(persons)) if index is None else index
    base = join(pa.array(persons.street_no[index]).cast(pa.string()), " ",
                pick(refdata.STREET_NAMES, persons.street[index]), " ",
                pick([s[0] for s in refdata.STREET_SUFFIXES], persons.suffix[index]))
    unit = take(persons.unit, index)
    return pc.fill_null(join(base, ", Apt ", unit), base)


def render_address1(rng: np.random.Generator, persons: Persons, index: np.ndarray, abbreviate: float = 0.35,
                    case: float = 0.04) -> pa.Array:
    """The first address line as typed: ``Street``/``St``/``St.``, unit styles, occasional all-caps."""
    n = len(index)
    number = pa.array(persons.street_no[index]).cast(pa.string())
    street = pick(refdata.STREET_NAMES, persons.street[index])
    long_suffix = pick([s[0] for s in refdata.STREET_SUFFIXES], persons.suffix[index])
    short_suffix = pick([s[1] for s in refdata.STREET_SUFFIXES], persons.suffix[index])
    suffix = choose(np.where(rng.random(n) < abbreviate, rng.integers(1, 3, n), 0), long_suffix, short_suffix,
                    join(short_suffix, "."))
    line = join(number, " ", street, " ", suffix)
    unit = take(persons.unit, index)
    unit_text = choose(rng.integers(0, 4, n), join(", Apt ", unit), join(" #", unit), join(" Apt. ", unit),
                       join(", Unit ", unit))
    line = pc.fill_null(join(line, unit_text), line)
    cased = choose(rng.integers(0, 2, n), pc.utf8_upper(line), pc.utf8_lower(line))
    return where(rng.random(n) < case, cased, line)


def render_name(rng: np.random.Generator, names: pa.Array, case: float = 0.02) -> pa.Array:
    """A name as typed: rarely all lower or all upper case."""
    n = len(names)
    cased = choose(rng.integers(0, 2, n), pc.utf8_lower(names), pc.utf8_upper(names))
    return where(rng.random(n) < case, cased, names)


def full_name(rng: np.random.Generator, persons: Persons, index: np.ndarray, case: float = 0.02) -> pa.Array:
    return render_name(rng, join(take(persons.first_name, index), " ", take(persons.last_name, index)), case)


def vary_case(rng: np.random.Generator, values: pa.Array, rate: float) -> pa.Array:
    """Re-type a share of values with different letter case (``Jane.Doe@gmail.com``)."""
    n = len(values)
    cased = choose(rng.integers(0, 2, n), pc.utf8_capitalize(values), pc.utf8_title(values))
    return where(rng.random(n) < rate, cased, values)
