"""The dbt macros agree with the Python rules and the expected values on the shared table of tricky inputs.

dbt compiles one query calling ``normalize_phone_e164`` (per default region, and per row with the
case's country), ``normalize_email`` and the identity rules' ``identity_email_key`` over a table of
the cases; DuckDB runs the compiled SQL. The phone macro runs in both its forms: as DuckDB builds
the warehouse (steps bound by lambdas) and as every other warehouse gets it (steps bound by scalar
subqueries), so both are proven, not only the one we run; and as staging runs it, over the distinct
numbers (``normalize_phone_e164_values``: the steps as columns of nested derived tables).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from core.dbt import dbt_flags, dbt_invocation_env
from core.identifiers import email_identity_key, normalize_email, normalize_phone
from core.settings import Paths
from tests.identifiers.cases import load_cases, mismatches

pytestmark = pytest.mark.slow  # a dbt compile of the project

CASES = load_cases()
PHONES = [c for c in CASES if c.kind == "phone"]
EMAILS = [c for c in CASES if c.kind == "email"]
REGIONS = sorted({c.region for c in PHONES})


def _per_region(call: str) -> str:
    """``case region when 'US' then <call for US> … end``: the default region is a compile-time argument."""
    whens = " ".join(f"when '{region}' then {{{{ {call.format(region=region)} }}}}" for region in REGIONS)
    return f"case region {whens} end"


def _query() -> str:
    columns = {
        "phone": _per_region("normalize_phone_e164('input', '{region}')"),
        "phone_by_country": _per_region("normalize_phone_e164('input', '{region}', 'country')"),
        "phone_portable": _per_region("default__normalize_phone_e164('input', '{region}', 'country', portable=true)"),
        "email": "{{ normalize_email('input') }}",
        "email_key": "{{ identity_email_key('input') }}",
        # Staging's form: each distinct (number, country) once, joined back on both keys.
        "phone_values": _per_region(
            "'(select phone_e164 from (' ~ normalize_phone_e164_values('cases', 'input', '{region}', 'country') ~ ')"
            " as numbers where numbers.phone_raw = cases.input"
            " and numbers.country_key = ' ~ phone_country_key('cases.country') ~ ')'"),
    }
    return "select id, " + ", ".join(f"{sql} as {name}" for name, sql in columns.items()) + " from cases"


def _compile(home: Path) -> str:
    """The query's SQL as dbt compiles it for this project (DuckDB target)."""
    from dbt.cli.main import dbtRunner

    paths = Paths(home)
    paths.ensure()
    flags = dbt_flags(paths)
    saved = {key: os.environ.get(key) for key in dbt_invocation_env(paths)}
    os.environ.update(dbt_invocation_env(paths))
    try:
        result = dbtRunner().invoke(["compile", "--inline", _query(), *flags, "--quiet"])
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    assert result.success, result.exception
    return result.result.results[0].node.compiled_code


def _run(sql: str) -> dict[int, tuple[Any, ...]]:
    con = duckdb.connect()
    con.register("cases", pa.table({
        "id": [c.id for c in CASES],
        "input": [c.input for c in CASES],
        "region": [c.region for c in CASES],
        "country": [c.country for c in CASES],
    }))
    return {row[0]: row[1:] for row in con.execute(sql).fetchall()}


@pytest.fixture(scope="module")
def sql_results(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple]:
    return _run(_compile(tmp_path_factory.mktemp("identifiers")))


def test_phone_macro_agrees_with_python_and_the_expected_values(sql_results):
    python = {c.id: normalize_phone(c.input, c.region, country=c.country) for c in PHONES}
    # Per row (the case's country, else the default region) and, for cases without one, per default region.
    by_country = {c.id: sql_results[c.id][1] for c in PHONES}
    assert not mismatches(PHONES, by_country, lambda c: c.expected)
    assert not mismatches(PHONES, by_country, lambda c: python[c.id])
    portable = {c.id: sql_results[c.id][2] for c in PHONES}
    assert not mismatches(PHONES, portable, lambda c: c.expected)
    distinct_values = {c.id: sql_results[c.id][5] for c in PHONES}
    assert not mismatches(PHONES, distinct_values, lambda c: c.expected)
    plain = [c for c in PHONES if c.country is None]
    by_region = {c.id: sql_results[c.id][0] for c in plain}
    assert not mismatches(plain, by_region, lambda c: c.expected)


def test_email_macros_agree_with_python_and_the_expected_values(sql_results):
    got = {c.id: (sql_results[c.id][3], sql_results[c.id][4]) for c in EMAILS}
    assert not mismatches(EMAILS, got, lambda c: (c.expected, c.expected_key))
    assert not mismatches(EMAILS, got, lambda c: (normalize_email(c.input), email_identity_key(c.input)))


def test_the_table_covers_every_kind_of_trouble():
    whys = " ".join(c.why for c in CASES).lower()
    for trouble in ("international", "extension", "vanity", "011", "00 ", "trunk", "+tag", "gmail", "googlemail",
                    "idn", "upper case", "whitespace", "junk", "placeholder"):
        assert trouble in whys, trouble
