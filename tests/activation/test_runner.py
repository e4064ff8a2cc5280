"""Runner behaviour beyond one vendor: governance, the send-time guard, secrets, triggers, identity, nulls."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from activation import diff, queue_erasure, run_all, run_sync
from activation.config import ActivationConfig, parse_destinations, parse_syncs
from activation.destinations import build_destination
from tests.activation.conftest import AUDIENCE, assert_never_sent, make_harness, people, write_audience
from tests.activation.fakes import _json


def _store_validation(con: duckdb.DuckDBPyConnection, run_id: str, at: str, rules: list[tuple[str, str, bool]],
                      relation: str = AUDIENCE) -> None:
    con.execute("create schema if not exists audit")
    con.execute("""create table if not exists audit.validation_results (
        run_id varchar, validated_at timestamptz, suite varchar, relation varchar, expectation varchar,
        severity varchar, success boolean, element_count bigint, unexpected_count bigint,
        unexpected_examples varchar[], observed_value varchar, error varchar)""")
    for name, severity, success in rules:
        con.execute("insert into audit.validation_results values (?, ?, 'audience', ?, ?, ?, ?, 10, ?, [], null, "
                    "null)", [run_id, at, relation, name, severity, success, 0 if success else 3])


# ------------------------------------------------------------------------------------------ governance
def test_a_sync_refuses_an_audience_whose_latest_validation_failed_an_error_rule(serve, warehouse):
    h = make_harness("webhook", serve)
    _, con = warehouse
    write_audience(con, people())
    sync = h.sync(require_governance_check=True)

    refused = run_sync(con, sync, h.client())
    assert refused.status == "refused" and "no validation result" in refused.error

    _store_validation(con, "r1", "2026-01-01 00:00:00+00", [("email_is_lowercase", "error", False),
                                                            ("ltv_is_positive", "warn", False)])
    refused = run_sync(con, sync, h.client())
    assert refused.status == "refused" and "email_is_lowercase" in refused.error
    assert "ltv_is_positive" not in refused.error, "warnings do not block"
    assert h.fake.log == []

    _store_validation(con, "r2", "2026-01-02 00:00:00+00", [("email_is_lowercase", "error", True),
                                                            ("ltv_is_positive", "warn", False)])
    ok = run_sync(con, sync, h.client())
    assert ok.status == "success" and h.fake.members() == h.expected(people())
    runs = con.execute("select status from activation.sync_runs order by started_at").fetchall()
    assert [r[0] for r in runs] == ["refused", "refused", "success"]


def test_erasures_are_sent_even_when_the_audience_is_refused(serve, warehouse):
    h = make_harness("webhook", serve)
    _, con = warehouse
    write_audience(con, people())
    run_sync(con, h.sync(), h.client())
    queue_erasure(con, "cust-0001")
    _store_validation(con, "bad", "2026-01-01 00:00:00+00", [("unique_customer_id", "error", False)])
    result = run_sync(con, h.sync(require_governance_check=True), h.client())
    assert result.status == "refused"
    assert h.fake.erased == ["cust-0001"]


# ------------------------------------------------------------------------------------------ consent guard
def test_the_send_time_guard_stops_what_a_broken_sql_filter_lets_through(serve, warehouse, monkeypatch, caplog):
    crowd = people()
    h = make_harness("klaviyo", serve)
    _, con = warehouse
    write_audience(con, crowd)
    original = diff.source_sql

    def everyone_eligible(sync, destination, columns, only_keys=None, as_of=None):  # a bug in the SQL filter
        return f"select * replace (true as eligible) from ({original(sync, destination, columns, only_keys, as_of)})"

    monkeypatch.setattr(diff, "source_sql", everyone_eligible)
    with caplog.at_level(logging.WARNING):
        result = run_sync(con, h.sync(), h.client())
    assert result.blocked == 4 and result.status == "partial"
    assert h.fake.members() == h.expected(crowd)
    assert_never_sent(h.fake, crowd, h.eligible)
    assert "consent guard blocked customer cust-0011" in caplog.text


# ------------------------------------------------------------------------------------------ secrets
def test_secrets_are_never_logged_or_stored(serve, warehouse, caplog):
    h = make_harness("mailchimp", serve)
    _, con = warehouse
    crowd = people()
    write_audience(con, crowd)
    with caplog.at_level(logging.DEBUG):
        run_sync(con, h.sync(), h.client())
        h.fake.api_key = "rotated"  # the old key is now refused with 401: the run stops
        con.execute("update marts.aud_test set first_name = 'X' where customer_id = 'cust-0001'")
        failed = run_sync(con, h.sync(), h.client())
    assert failed.status == "failed" and "401" in failed.error
    secret = h.env["MC_KEY"]
    tables = con.execute("select table_name from information_schema.tables where table_schema = 'activation'"
                         ).fetchall()
    for (table,) in tables:
        dump = json.dumps(con.execute(f"select * from activation.{table}").fetchall(), default=str)
        assert secret not in dump, table
    assert secret not in caplog.text


def test_an_error_echoing_a_credential_is_redacted_before_it_is_stored(serve, warehouse):
    h = make_harness("webhook", serve)
    _, con = warehouse
    write_audience(con, people())
    secret = h.env["HOOK_SECRET"]
    serve(lambda request: _json({"error": f"signature made with {secret} is not accepted"}, 400))
    result = run_sync(con, h.sync(), h.client())
    assert result.status == "partial" and result.rejected == result.sent
    errors = con.execute("select error from activation.sync_failures").fetchall()
    assert errors and all(secret not in e and "***" in e for (e,) in errors)


# ------------------------------------------------------------------------------------------ triggers
def _trigger_audience(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    con.execute("create schema if not exists marts")
    con.execute("""create or replace table marts.trg_cart (customer_id varchar, email varchar, phone varchar,
        first_name varchar, last_name varchar, consent_email boolean, consent_sms boolean, consent_ads boolean,
        is_suppressed boolean, cart_value double, trigger_id varchar, triggered_at timestamptz)""")
    con.executemany("insert into marts.trg_cart values (?, ?, null, 'F', 'L', ?, true, true, false, ?, ?, now())",
                    rows)


def test_trigger_events_are_appended_once_each(serve, warehouse):
    h = make_harness("webhook", serve)
    _, con = warehouse
    _trigger_audience(con, [("c1", "a@x.example", True, 10.0, "t1"), ("c1", "a@x.example", True, 20.0, "t2"),
                            ("c2", "b@x.example", False, 30.0, "t3")])
    sync = h.sync("append", audience="marts.trg_cart", fields={"email": "email", "cart_value": "cart_value"})
    first = run_sync(con, sync, h.client())
    assert first.status == "success" and sorted(h.fake.events) == ["t1", "t2"]
    con.execute("update marts.trg_cart set cart_value = 99 where trigger_id = 't1'")  # no updates in append mode
    con.execute("insert into marts.trg_cart values ('c3', 'c@x.example', null, 'F', 'L', true, true, true, false, "
                "5, 't4', now())")
    h.fake.clear_log()
    second = run_sync(con, sync, h.client())
    assert second.planned == {"adds": 1, "updates": 0, "removes": 0, "deletions": 0}
    assert sorted(h.fake.events) == ["t1", "t2", "t4"]
    assert h.fake.events["t1"]["fields"]["cart_value"] == 10.0
    assert "b@x.example" not in "".join(e.text for e in h.fake.log)
    assert run_sync(con, sync, h.client()).status == "noop"


def test_a_trigger_window_ends_at_the_runs_as_of_not_the_clock(serve, warehouse):
    """A lane run as of a past moment (the demo, a back-test, a late run) sends that moment's triggers;
    the window used to end at the clock, so every trigger of the demo was too old and nothing was sent."""
    from datetime import datetime

    h = make_harness("webhook", serve)
    _, con = warehouse
    _trigger_audience(con, [("c1", "a@x.example", True, 10.0, "fresh"), ("c2", "b@x.example", True, 20.0, "stale")])
    con.execute("update marts.trg_cart set triggered_at = timestamptz '2026-10-31 22:00:00+00' "
                "where trigger_id = 'fresh'")
    con.execute("update marts.trg_cart set triggered_at = timestamptz '2026-10-20 22:00:00+00' "
                "where trigger_id = 'stale'")
    sync = h.sync("append", audience="marts.trg_cart", fields={"email": "email"}, trigger_window_hours=72)
    assert run_sync(con, sync, h.client(), dry_run=True).planned["adds"] == 0  # by the clock: both too old
    result = run_sync(con, sync, h.client(), as_of=datetime(2026, 11, 1, 7, 0))
    assert result.status == "success" and sorted(h.fake.events) == ["fresh"]


# ------------------------------------------------------------------------------------------ identity and nulls
def test_a_changed_email_archives_the_old_member_and_adds_the_new(serve, warehouse):
    h = make_harness("mailchimp", serve)
    _, con = warehouse
    write_audience(con, people())
    run_sync(con, h.sync(), h.client())
    con.execute("update marts.aud_test set email = 'renamed@shop.example' where customer_id = 'cust-0001'")
    plan = run_sync(con, h.sync(), h.client(), dry_run=True)
    assert plan.planned["adds"] == 1 and plan.planned["removes"] == 1
    run_sync(con, h.sync(), h.client())
    members = h.fake.members()
    assert "renamed@shop.example" in members and "person01@shop.example" not in members


def test_nulls_do_not_overwrite_unless_mapped_to(serve, warehouse):
    h = make_harness("klaviyo", serve)
    _, con = warehouse
    write_audience(con, people())
    run_sync(con, h.sync(), h.client())
    con.execute("update marts.aud_test set ltv = null, rfm_segment = null where customer_id = 'cust-0001'")
    h.fake.clear_log()
    run_sync(con, h.sync(), h.client())
    sent = [p for e in h.fake.log if e.method == "POST" for p in e.json()["data"]["attributes"]["profiles"]["data"]]
    assert len(sent) == 1
    properties = sent[0]["attributes"]["properties"]
    assert "ltv" not in properties, "a null ltv is not sent"
    assert properties["rfm_segment"] is None, "rfm_segment is mapped with send_nulls"
    assert h.fake.properties("person01@shop.example")["properties"]["ltv"] == 10.0


def test_google_ads_refreshes_its_token_once_and_sends_hashes_only(serve, warehouse):
    h = make_harness("google_ads", serve)
    _, con = warehouse
    crowd = people()
    write_audience(con, crowd)
    client = h.client()
    run_sync(con, h.sync(), client)
    assert [e.path for e in h.fake.log].count("/token") == 1
    for entry in h.fake.log:
        for person in crowd:
            assert person.address not in entry.text and person.phone not in entry.text


# ------------------------------------------------------------------------------------------ files and run_all
def test_files_destination_writes_each_change_once(tmp_path: Path, warehouse):
    _, con = warehouse
    crowd = people()
    write_audience(con, crowd)
    dests = parse_destinations({"drop": {"type": "files", "path": str(tmp_path / "out"), "format": "parquet"}}, {})
    syncs = parse_syncs([{"name": "to_files", "audience": AUDIENCE, "destination": "drop", "mode": "mirror",
                          "consent": "sms", "require_governance_check": False,
                          "fields": {"phone": "phone", "first_name": "first_name"}}], dests)
    config = ActivationConfig(dests, syncs)
    assert run_all(con, config, dry_run=True)[0].status == "dry_run"
    assert not (tmp_path / "out").exists(), "a dry run writes nothing"
    [first] = run_all(con, config)
    files = sorted((tmp_path / "out" / "to_files").iterdir())
    assert first.status == "success" and len(files) == 1
    table = pq.read_table(files[0])
    assert sorted(table.column("customer_id").to_pylist()) == [f"cust-{n:04d}" for n in range(1, 11)]
    assert table.column_names == ["key", "customer_id", "phone", "first_name"]
    assert run_all(con, config)[0].status == "noop"
    assert len(list((tmp_path / "out" / "to_files").iterdir())) == 1
    con.execute("delete from marts.aud_test where customer_id = 'cust-0002'")
    run_all(con, config)
    removes = [f for f in (tmp_path / "out" / "to_files").iterdir() if f.name.startswith("remove-")]
    assert pq.read_table(removes[0]).column("customer_id").to_pylist() == ["cust-0002"]


def test_a_missing_audience_fails_clearly(serve, warehouse):
    h = make_harness("webhook", serve)
    _, con = warehouse
    result = run_sync(con, h.sync(), h.client())
    assert result.status == "failed" and "cannot be read" in result.error


def test_a_missing_contract_column_is_named(serve, warehouse):
    h = make_harness("meta", serve)
    _, con = warehouse
    write_audience(con, people())
    con.execute("alter table marts.aud_test drop column consent_ads")
    result = run_sync(con, h.sync(), h.client())
    assert result.status == "failed" and "consent_ads" in result.error


@pytest.mark.parametrize("dry_run", [True, False])
def test_missing_credentials_fail_a_run_but_not_a_dry_run(warehouse, dry_run):
    _, con = warehouse
    write_audience(con, people())
    dests = parse_destinations({"hook": {"type": "webhook", "url": "http://127.0.0.1:9/x", "secret": "${UNSET}"}}, {})
    syncs = parse_syncs([{"name": "s", "audience": AUDIENCE, "destination": "hook", "mode": "mirror",
                          "consent": "email", "require_governance_check": False}], dests)
    result = run_sync(con, syncs["s"], build_destination(dests["hook"]), dry_run=dry_run)
    assert result.status == ("dry_run" if dry_run else "failed")
    if not dry_run:
        assert "${UNSET}" in result.error


# ------------------------------------------------------------------------------------------ failures and duplicates
def test_a_record_that_keeps_failing_goes_dead_until_its_data_changes(serve, warehouse):
    crowd = people(poison=True)
    h = make_harness("mailchimp", serve, poison_email="poison@blocked.example")
    _, con = warehouse
    write_audience(con, crowd)
    sync = h.sync(max_record_attempts=2)
    assert run_sync(con, sync, h.client()).rejected == 1
    assert run_sync(con, sync, h.client()).rejected == 1
    assert con.execute("select status, attempts from activation.sync_failures").fetchall() == [("dead", 2)]
    h.fake.clear_log()
    assert run_sync(con, sync, h.client()).status == "noop" and h.fake.log == []

    con.execute("update marts.aud_test set email = 'fixed@shop.example' where customer_id = 'cust-0016'")
    fixed = run_sync(con, sync, h.client())
    assert fixed.status == "success" and "fixed@shop.example" in h.fake.members()
    assert con.execute("select status from activation.sync_failures").fetchall() == [("resolved",)]


def test_duplicate_audience_rows_are_sent_once(serve, warehouse):
    h = make_harness("webhook", serve)
    _, con = warehouse
    crowd = people()
    write_audience(con, crowd)
    con.execute("insert into marts.aud_test select * from marts.aud_test where customer_id <= 'cust-0003'")
    result = run_sync(con, h.sync(), h.client())
    assert result.accepted == len(h.expected(crowd))
    assert set(h.fake.adds.values()) == {1}


def test_run_results_are_dagster_metadata_ready(serve, warehouse):
    h = make_harness("webhook", serve)
    _, con = warehouse
    write_audience(con, people())
    metadata = run_sync(con, h.sync(), h.client()).as_metadata()
    assert metadata["status"] == "success" and metadata["accepted"] == 11 and metadata["planned_adds"] == 11
    assert all(isinstance(v, str | int | float | bool) for v in metadata.values())


def test_the_benchmark_runs_at_small_scale(capsys):
    import runpy

    module = runpy.run_path(str(Path(__file__).resolve().parents[2] / "benchmarks" / "activation_diff.py"),
                            run_name="benchmark")
    figures = module["main"](["--scale", "5000", "--json"])
    assert figures["requests_during_dry_run"] == 0
    assert figures["planned_adds"] > 0 and figures["planned_updates"] > 0 and figures["planned_removes"] > 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["audience_rows"] == 5000


def test_klaviyo_can_also_record_the_consent_through_bulk_subscription_jobs(serve, warehouse):
    crowd = people()
    h = make_harness("klaviyo", serve)
    h.settings["subscribe"] = "email"
    h.fake.polls_to_complete = 1  # the estimate counts one status check per import job
    _, con = warehouse
    write_audience(con, crowd)
    plan = run_sync(con, h.sync(), h.client(), dry_run=True)
    result = run_sync(con, h.sync(), h.client())
    assert result.status == "success", result.error
    # 3 import jobs, each checked once, then 3 subscription jobs for the profiles they accepted
    assert (result.requests, plan.requests_estimate) == (9, 9)
    jobs = [e for e in h.fake.log if e.path == "/api/profile-subscription-bulk-create-jobs"]
    assert len(jobs) == 3
    profile = h.fake.properties("person01@shop.example")
    assert profile["subscriptions"] == {"email": {"marketing": {"consent": "SUBSCRIBED"}}}
    assert_never_sent(h.fake, crowd, h.eligible)
