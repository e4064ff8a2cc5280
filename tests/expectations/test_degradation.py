"""Data that got worse since the last publish is said out loud: warn rules with plain messages."""

from __future__ import annotations

from pathlib import Path

import duckdb

from cdw.steps.check import governance_rules
from expectations.degradation import record_published_metrics
from expectations.runner import validate_rules


def _warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("create schema raw_shopify; create schema marts")
    con.execute("create table raw_shopify.orders as select range as id from range(100)")
    con.execute("create table raw_shopify.customers as select range as id from range(40)")
    con.execute("create table marts.identity_match_rate as select 'people_in_two_or_more_systems' as metric, "
                "'all' as profile_type, 0.62 as match_rate")
    return con


def _check(con: duckdb.DuckDBPyConnection):
    return validate_rules(con, governance_rules(con, ["degradation"]), "run")


def test_nothing_is_compared_before_the_first_publish(tmp_path: Path):
    con = _warehouse(tmp_path / "build.duckdb")
    assert governance_rules(con, ["degradation"]) == []


def test_a_table_that_lost_most_rows_and_a_falling_match_rate_warn_in_plain_words(tmp_path: Path):
    con = _warehouse(tmp_path / "build.duckdb")
    assert record_published_metrics(con, "published-1", "2026-11-01T00:00:00+00:00") == 3
    assert _check(con).failed() == []
    con.execute("delete from raw_shopify.orders where id >= 10")  # a partial export replaced the full one
    con.execute("update marts.identity_match_rate set match_rate = 0.31")
    report = _check(con)
    assert report.blocking_failures == [], "degradation warns, it does not block"
    warnings = sorted(report.warnings)
    assert warnings == [
        "raw_shopify.orders lost more than 50% of its rows since the last publish (a partial export, an API that "
        "stopped paging, the wrong account?): 10 rows now, 100 at the last publish",
        "the identity match rate fell by more than 20% (points) since the last publish (identifiers missing from "
        "an export, a blocklist or rule change?): people in two or more systems: 31.0% now, 62.0% at the last "
        "publish"]


def test_comparisons_are_with_the_newest_publish(tmp_path: Path):
    con = _warehouse(tmp_path / "build.duckdb")
    record_published_metrics(con, "published-1", "2026-11-01T00:00:00+00:00")
    con.execute("delete from raw_shopify.orders where id >= 10")
    record_published_metrics(con, "published-2", "2026-11-02T00:00:00+00:00")  # published on purpose
    assert _check(con).failed() == []
