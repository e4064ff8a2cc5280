"""The Python form of the identifier rules on the shared table, and everything that must use it.

``test_sql_agreement.py`` runs the dbt macros on the same table.
"""

from __future__ import annotations

import re

import duckdb
import pyarrow as pa
import pytest

from activation.hashing import google_hashed_phone, hashed_email, meta_hashed_phone, normalise_email, normalise_phone
from core.dictionary import load_dictionary
from core.identifiers import (
    E164_PATTERN,
    EMAIL_PATTERN,
    email_identity_key,
    email_sql,
    normalize_email,
    normalize_phone,
)
from core.identifiers import macros as identifier_macros
from core.identifiers.email import matches_email_shape
from tests.identifiers.cases import Case, load_cases, mismatches

CASES = load_cases()
PHONES = [c for c in CASES if c.kind == "phone"]
EMAILS = [c for c in CASES if c.kind == "email"]


def test_the_table_is_big_and_varied_enough():
    assert len(CASES) >= 60
    assert len(PHONES) >= 30 and len(EMAILS) >= 30
    assert {c.region for c in PHONES} >= {"US", "GB", "DE", "FR", "AU", "JP"}
    assert any(c.expected is None for c in PHONES) and any(c.expected is None for c in EMAILS)


def test_python_phone_rule_gives_the_expected_values():
    got = {c.id: normalize_phone(c.input, c.region, country=c.country) for c in PHONES}
    assert not mismatches(PHONES, got, lambda c: c.expected)


def test_python_email_rule_gives_the_expected_values_and_keys():
    got = {c.id: (normalize_email(c.input), email_identity_key(c.input)) for c in EMAILS}
    assert not mismatches(EMAILS, got, lambda c: (c.expected, c.expected_key))


def test_every_normalised_value_has_the_dictionary_format():
    formats = load_dictionary().formats
    assert formats["email"] == EMAIL_PATTERN, "the dictionary's email format must be the e-mail rule"
    assert formats["e164"] == E164_PATTERN, "the dictionary's e164 format must be the phone rule"
    for case in EMAILS:
        if case.expected:
            assert re.search(formats["email"], case.expected), case
    for case in PHONES:
        if case.expected:
            assert re.search(formats["e164"], case.expected), case


def test_the_email_shape_agrees_with_the_validator():
    """The set-based shape (pattern + domain checks) accepts exactly what email-validator accepts."""
    got = {c.id: matches_email_shape((c.input or "").strip(" \t\n\r\f\v").lower()) for c in EMAILS}
    assert not mismatches(EMAILS, got, lambda c: c.expected is not None)


def test_the_landing_contract_sql_agrees_with_the_python_rule():
    """ingestion/contract_check.py quarantines with ``email_sql``; it must give what Python gives."""
    con = duckdb.connect()
    con.register("cases", pa.table({"id": [c.id for c in EMAILS], "input": [c.input for c in EMAILS]}))
    got = dict(con.execute(f"select id, {email_sql('input')} from cases").fetchall())
    assert not mismatches(EMAILS, got, lambda c: c.expected)


def test_activation_hashes_the_normalised_values():
    for case in EMAILS:
        assert normalise_email(case.input) == case.expected, case
        assert (hashed_email(case.input) is None) == (case.expected is None), case
    international = [c for c in PHONES if c.input and c.input.lstrip().startswith(("+", "tel:+"))]
    assert len(international) >= 10
    for case in international:
        assert normalise_phone(case.input) == case.expected, case
    assert normalise_phone("0044 20 7946 0958") == "+442079460958", "00 is the international prefix everywhere"
    assert google_hashed_phone("+1 415 555 0134") == google_hashed_phone("001 (415) 555-0134")
    assert meta_hashed_phone("(415) 555-0134") is None, "no region: a national number is never guessed"


def test_the_macro_table_is_generated_from_the_libraries():
    assert identifier_macros.main(["--check"]) == 0, "run: python -m core.identifiers.macros"


@pytest.mark.parametrize(("value", "region", "country", "expected"), [
    (None, "US", None, None),
    (4155550134, "US", None, "+14155550134"),
    ("(415) 555-0134", None, None, None),
    ("(415) 555-0134", "ZZ", None, None),
    ("020 7946 0958", "US", "gb", "+442079460958"),
])
def test_phone_edge_arguments(value, region, country, expected):
    assert normalize_phone(value, region, country=country) == expected


def test_cases_print_helpfully():
    assert "phone '+1 (415) 555-0134' [US]" in str(PHONES[0])
    assert isinstance(PHONES[0], Case)
