"""Every governed suite on a tiny warehouse: clean data passes, each break fails exactly its rule."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from cdw.steps.check import governance_rules
from expectations.runner import CheckReport, validate_rules
from tests.expectations import governed_warehouse as gw


@pytest.fixture(scope="module")
def config_env(tmp_path_factory) -> dict[str, str]:
    return gw.write_activation_config(tmp_path_factory.mktemp("activation"))


@pytest.fixture(scope="module")
def clean_db(tmp_path_factory) -> Path:
    return gw.build(tmp_path_factory.mktemp("governed") / "build.duckdb")


@pytest.fixture
def env(config_env, monkeypatch) -> None:
    for key, value in config_env.items():
        monkeypatch.setenv(key, value)


def _check(db: Path, run_id: str = "run") -> CheckReport:
    con = duckdb.connect(str(db))
    try:
        return validate_rules(con, governance_rules(con, gw.SUITES), run_id)
    finally:
        con.close()


def _broken(clean_db: Path, tmp_path: Path, sql: str) -> Path:
    db = tmp_path / "broken.duckdb"
    shutil.copy(clean_db, db)
    gw.apply(db, sql)
    return db


def test_clean_warehouse_passes_and_waits_for_what_is_not_built(env, clean_db):
    report = _check(clean_db)
    assert report.blocking_failures == []
    # relations named by the rules but not built here are reported, not fatal
    assert "marts.fct_events" in report.not_built
    assert all(o.rule.severity == "warn" for o in report.outcomes if o.not_built)
    families = {o.rule.family for o in report.outcomes if o.success}
    assert {"dictionary.allowed_values", "identity.identifier_limits", "value.rfm_score_range",
            "audience.consent", "audience.columns_within_mapping"} <= families


@pytest.mark.parametrize("family", sorted(gw.BREAKS))
def test_each_break_fails_its_rule_with_the_reason(env, clean_db, tmp_path, family):
    report = _check(_broken(clean_db, tmp_path, gw.BREAKS[family]))
    severity = "error" if report.failed("error") else "warn"  # the dictionary sets each family's severity
    failed = [o for o in report.failed(severity) if not o.not_built]
    messages = report.blocking_failures if severity == "error" else report.warnings
    assert {o.rule.family for o in failed} == {family}
    assert all(any(o.rule.description in m for m in messages) for o in failed)


def test_failure_examples_name_the_key_and_mask_personal_values(env, clean_db, tmp_path):
    report = _check(_broken(clean_db, tmp_path, gw.BREAKS["identity.one_row_per_customer"]))
    (outcome,) = [o for o in report.failed("error")]
    assert outcome.examples == ["customer_id=cus_a, rows_per_customer=2"]
    report = _check(_broken(clean_db, tmp_path, gw.BREAKS["dictionary.format"]))
    (outcome,) = report.failed("error")
    assert outcome.examples == ["n***"]  # an e-mail column: masked


def test_a_personal_column_mapped_to_a_hashed_destination_is_refused(env, clean_db, tmp_path, monkeypatch):
    syncs = tmp_path / "syncs.yml"
    syncs.write_text(gw.SYNCS_YML.replace("    consent: ads\n", "    consent: ads\n    fields:\n      em: email\n"))
    monkeypatch.setenv("CDW_ACTIVATION_SYNCS", str(syncs))
    report = _check(clean_db)
    assert {o.rule.family for o in report.failed("error")} == {"audience.hashed_identifiers"}
    assert "hashed identifiers only" in report.blocking_failures[0]


def test_duplicate_audience_members_are_a_warning(env, clean_db, tmp_path):
    report = _check(_broken(clean_db, tmp_path, "insert into marts.aud_vip select * from marts.aud_vip"))
    assert report.blocking_failures == []
    assert any(o.rule.family == "audience.one_row_per_member" for o in report.failed("warn"))


def test_an_erased_person_who_comes_back_blocks(env, clean_db, tmp_path):
    db = _broken(clean_db, tmp_path, "create schema audit; create table audit.erased_subjects as "
                                      "select sha256('bob@example.com') as subject_hash, 'email' as identifier_kind")
    report = _check(db)
    failed = report.failed("error")
    assert {o.rule.family for o in failed} == {"privacy.no_erased_person"}
    assert {o.rule.relation for o in failed} >= {"staging.stg_shop__customers", "marts.dim_customers"}


def test_a_governed_column_in_a_new_mart_is_checked_without_code(env, clean_db, tmp_path):
    db = _broken(clean_db, tmp_path, "create table marts.status_snapshot as select 'gone' as customer_status")
    report = _check(db)
    assert [o.rule.relation for o in report.failed("error")] == ["marts.status_snapshot"]


def test_rules_for_one_relation(env, clean_db):
    con = duckdb.connect(str(clean_db))
    try:
        rules = governance_rules(con, relations=["marts.aud_vip"])
    finally:
        con.close()
    assert {"audience", "dictionary"} <= {r.suite for r in rules}
    assert {r.family for r in rules} >= {"audience.consent", "audience.not_suppressed"}
