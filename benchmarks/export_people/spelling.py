"""How values are spelt: diacritics folded, phones typed, e-mails normalised, names and e-mails varied,
Klaviyo's ULIDs."""

from __future__ import annotations

import random
import unicodedata
from datetime import datetime

from benchmarks.export_people.records import Person
from benchmarks.export_people.vocabulary import DOMAIN_TYPOS, GERMAN_FOLD, NICKNAMES, PLAIN_FOLD


def fold(text: str, german: bool = False) -> str:
    """``text`` without diacritics (``Müller`` -> ``Muller``, or ``Mueller`` the German way)."""
    if german:
        text = text.translate(GERMAN_FOLD)
    decomposed = unicodedata.normalize("NFKD", text.translate(PLAIN_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def e164(digits: str) -> str:
    return f"+1{digits}"


def spell_phone(digits: str, style: int) -> str:
    """A 10-digit US number the ways people type it at checkout (style 0 is E.164)."""
    area, exchange, line = digits[:3], digits[3:6], digits[6:]
    return (
        e164(digits),
        f"({area}) {exchange}-{line}",
        f"{area}-{exchange}-{line}",
        f"{area}.{exchange}.{line}",
        f"+1 {area} {exchange} {line}",
        f"+1 {area}-{exchange}-{line}",
        digits,
        f"1-{area}-{exchange}-{line}",
    )[style]


def normal_email(email: str | None) -> str:
    return (email or "").strip().lower()


def mailbox(email: str) -> str:
    """The inbox an address delivers to: no ``+tag``, and Gmail ignores dots (no two people share one)."""
    local, _, domain = normal_email(email).partition("@")
    local = local.split("+")[0]
    return f"{local.replace('.', '') if domain == 'gmail.com' else local}@{domain}"


def ulid(rng: random.Random, moment: datetime) -> str:
    """A Klaviyo ID: a 26-character ULID (48-bit milliseconds, then 80 random bits, Crockford base 32)."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    millis = int(moment.timestamp() * 1000)
    return "".join(alphabet[(millis >> (5 * i)) & 31] for i in reversed(range(10))) + "".join(
        rng.choice(alphabet) for _ in range(16)
    )


def typo(rng: random.Random, name: str) -> str:
    """Two letters swapped (``Paul`` -> ``Palu``), one dropped or one doubled; never the first letter."""
    spots = [
        i for i in range(1, len(name) - 1) if name[i].isalpha() and name[i + 1].isalpha() and name[i] != name[i + 1]
    ]
    if not spots:
        return name + name[-1]
    i = rng.choice(spots)
    return rng.choice(
        (name[:i] + name[i + 1] + name[i] + name[i + 2 :], name[:i] + name[i + 1 :], name[:i] + name[i] + name[i:])
    )


def name_variant(rng: random.Random, person: Person, kind: str) -> tuple[str, str]:
    first, last = person.first, person.last
    if kind == "name_typo":
        return (typo(rng, first), last) if rng.random() < 0.6 else (first, typo(rng, last))
    if kind == "nickname":
        return rng.choice(NICKNAMES[first]), last
    if kind == "initials":
        return rng.choice(((f"{first[0]}.", last), (first[0], last), (first, f"{last[0]}.")))
    if kind == "swapped_names":
        return last, first
    if kind == "diacritics":
        german = rng.random() < 0.4
        return fold(first, german), fold(last, german)
    assert kind == "non_latin" and person.native
    native_first, native_last = person.native
    whole = f"{native_last}{native_first}" if native_last[0] > "\u2e80" else f"{native_last} {native_first}"
    return rng.choice(((native_first, native_last), (whole, "")))


def email_variant(rng: random.Random, email: str, kind: str) -> str:
    local, domain = email.split("@")
    if kind == "email_plus_tag":
        return f"{local}+{rng.choice(('shop', 'ridgeline', 'orders', 'promo'))}@{domain}"
    if kind == "gmail_dots":
        dotless = local.replace(".", "")
        return f"{dotless}@{domain}" if dotless != local else f"{local[:2]}.{local[2:]}@{domain}"
    if domain in DOMAIN_TYPOS and rng.random() < 0.7:
        return f"{local}@{rng.choice(DOMAIN_TYPOS[domain])}"
    return f"{typo(rng, local)}@{domain}"


def case_or_space(rng: random.Random, email: str) -> str:
    local, domain = email.split("@")
    return rng.choice(
        (f"{local.title()}@{domain.title()}", email.upper(), f"{local.capitalize()}@{domain}", f"{email} ", f" {email}")
    )
