"""Write-audit-publish with every suite: a broken rule blocks the run, the serving copy stays, the reason is told.

The issue's examples, each broken on purpose: a value outside the dictionary, a duplicate key, an
unconsented audience member, an over-limit profile, a raw personal column in an ads audience.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from cdw import steps
from cdw.context import make_context
from cdw.publish import PublishRefused
from core.settings import Paths
from expectations.data_docs import build_data_docs
from tests.expectations import governed_warehouse as gw

CASES = {
    "value outside the dictionary": "dictionary.allowed_values",
    "duplicate key": "identity.one_row_per_customer",
    "unconsented audience member": "audience.consent",
    "over-limit profile": "identity.identifier_limits",
    "raw personal column in an ads audience": "audience.columns_within_mapping",
}


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """A home whose clean build was checked and published once."""
    home = tmp_path_factory.mktemp("home")
    env = gw.write_activation_config(home / "activation")
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        paths = Paths(home).ensure()
        gw.build(paths.build_db)
        report = steps.check(make_context(home=paths.home, run_id="good"), suites=gw.SUITES, data_docs=False)
        assert report.blocking_failures == []
        steps.publish(make_context(home=paths.home, run_id="good"), report.blocking_failures)
    shutil.copy(paths.build_db, home / "clean.duckdb")
    return home


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_broken_rule_blocks_publishing_and_says_why(published, case, monkeypatch, tmp_path):
    family = CASES[case]
    home = tmp_path / "home"
    shutil.copytree(published, home)
    for key, value in gw.write_activation_config(home / "activation").items():
        monkeypatch.setenv(key, value)
    paths = Paths(home)
    serving_before = paths.serving_db.read_bytes()
    gw.apply(paths.build_db, gw.BREAKS[family])

    report = steps.check(make_context(home=paths.home, run_id="bad"), suites=gw.SUITES, data_docs=False)
    with pytest.raises(PublishRefused) as refused:
        steps.publish(make_context(home=paths.home, run_id="bad"), report.blocking_failures)

    assert paths.serving_db.read_bytes() == serving_before  # the last good copy is untouched
    (failed,) = report.failed("error")
    assert failed.rule.family == family
    assert failed.rule.description in str(refused.value)  # the refusal says which rule and why
    con = duckdb.connect(str(paths.build_db), read_only=True)
    stored = con.execute("select rule_family, reason, severity from audit.validation_results "
                         "where run_id = 'bad' and not success and severity = 'error'").fetchall()
    assert stored == [(family, failed.rule.description, "error")]
    con = duckdb.connect(str(paths.serving_db), read_only=True)
    assert con.execute("select run_id from meta.publication").fetchone() == ("good",)


def test_data_docs_site_shows_every_suite_and_keeps_recent_runs(published, monkeypatch, tmp_path):
    for key, value in gw.write_activation_config(tmp_path / "activation").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr("expectations.data_docs.KEEP_RUNS", 1)
    paths = Paths(published)
    first = steps.check(make_context(home=paths.home, run_id="20260101T000000Z-aaaaaa"), suites=gw.SUITES,
                        data_docs=False)
    index = build_data_docs(first, tmp_path)
    second = steps.check(make_context(home=paths.home, run_id="20260102T000000Z-bbbbbb"), suites=gw.SUITES,
                         data_docs=False)
    assert build_data_docs(second, tmp_path) == index
    html = index.read_text()
    for suite in ("dictionary", "identity", "value", "audience"):
        assert f"expectations/{suite}.html" in html
    pages = {p.parent.parent.name for p in (tmp_path / "data_docs" / "validations").rglob("*.html")}
    assert pages == {"20260102T000000Z-bbbbbb"}
    page = next((tmp_path / "data_docs" / "validations" / "identity").rglob("marts.dim_customers.html")).read_text()
    assert "rows_per_customer" in page


def test_data_docs_store_each_suite_as_the_run_checked_it(published, monkeypatch, tmp_path):
    """A suite stored again holds the run's rules, no more: a rule a later run does not check is gone."""
    import great_expectations as gx

    for key, value in gw.write_activation_config(tmp_path / "activation").items():
        monkeypatch.setenv(key, value)
    report = steps.check(make_context(home=Path(published), run_id="20260103T000000Z-cccccc"), suites=gw.SUITES,
                         data_docs=False)
    build_data_docs(report, tmp_path)
    fewer = report.only("marts.dim_customers")
    build_data_docs(fewer, tmp_path)
    context = gx.get_context(mode="file", project_root_dir=str(tmp_path))
    for suite in ("identity", "dictionary"):
        stored = context.suites.get(suite)
        assert len(stored.expectations) == sum(o.rule.suite == suite for o in fewer.outcomes) > 0
        assert len(stored.expectations) < sum(o.rule.suite == suite for o in report.outcomes)
