"""One as-of: a date is the end of that day (inclusive), a timestamp is taken as given (UTC)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from cdw.context import make_context
from core.as_of import AsOfError, parse_as_of, resolve_as_of
from core.dbt import dbt_vars


def test_a_date_is_the_end_of_that_day():
    assert parse_as_of("2026-10-31") == datetime(2026, 10, 31, 23, 59, 59, 999999)
    assert parse_as_of(date(2026, 10, 31)) == datetime(2026, 10, 31, 23, 59, 59, 999999)
    assert resolve_as_of("2026-10-31").day == date(2026, 10, 31)


def test_an_order_at_235959_on_the_as_of_day_counts_and_midnight_after_does_not():
    as_of = parse_as_of("2026-10-31")
    assert datetime(2026, 10, 31, 23, 59, 59) <= as_of
    assert not datetime(2026, 11, 1) <= as_of


def test_timestamps_are_taken_as_given_in_utc():
    assert parse_as_of("2026-10-31T14:00") == datetime(2026, 10, 31, 14, 0)
    assert parse_as_of("2026-10-31T14:00:00+02:00") == datetime(2026, 10, 31, 12, 0)
    assert parse_as_of("2026-10-31T14:00:00Z") == datetime(2026, 10, 31, 14, 0)
    aware = datetime(2026, 10, 31, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert parse_as_of(aware) == datetime(2026, 10, 31, 14, 30)


@pytest.mark.parametrize("bad", ["31/10/2026", "2026-02-30", "yesterday", "2026-10-31T25:00"])
def test_anything_else_is_refused_with_the_forms_accepted(bad):
    with pytest.raises(AsOfError, match="YYYY-MM-DD"if bad != "2026-02-30" else "calendar date"):
        parse_as_of(bad)


def test_defaults_demo_end_date_then_now():
    assert resolve_as_of(None, demo_end=date(2026, 10, 31)).origin == "demo end date"
    now = resolve_as_of(None, now=datetime(2026, 12, 4, 10, 0))
    assert now.origin == "now" and now.moment == datetime(2026, 12, 4, 10, 0)
    assert resolve_as_of("now").origin == "now"


def test_dbt_receives_the_resolved_moment_never_a_bare_date():
    assert dbt_vars(date(2026, 10, 31)) == {"as_of": "2026-10-31 23:59:59.999999"}
    assert dbt_vars("2026-10-31T08:15") == {"as_of": "2026-10-31 08:15:00.000000"}
    assert dbt_vars(None) == {}


def test_the_context_resolves_the_demo_end_date(tmp_path):
    truth = tmp_path / "demo" / "truth"
    truth.mkdir(parents=True)
    (truth / "manifest.json").write_text(json.dumps({"end_date": "2026-10-31"}))
    assert make_context(home=tmp_path, source="demo").as_of.dbt_var == "2026-10-31 23:59:59.999999"
    assert make_context(home=tmp_path, source="drops").as_of.origin == "now"
    assert make_context(home=tmp_path, source="demo", as_of="2025-01-15").as_of.day == date(2025, 1, 15)
