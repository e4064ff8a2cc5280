"""End to end, per destination, against a local fault-injecting emulator of the vendor's API.

Every test asserts on the emulator: what it holds afterwards, and its request log (no unconsented
person in any request, nothing sent twice, nothing sent at all by dry runs and repeat runs).
"""

from __future__ import annotations

import duckdb
import pytest

from activation import queue_erasure, run_sync
from activation.runner import RunHooks
from tests.activation.conftest import (
    POISON,
    SHORT_TIMEOUT,
    SimulatedCrash,
    assert_never_sent,
    make_harness,
    people,
    write_audience,
)


def _failures(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("select record_key, status, attempts, error from activation.sync_failures "
                       "where status <> 'resolved' order by record_key").fetchall()


def test_faults_are_survived_and_the_destination_holds_exactly_the_consented_members(vendor, serve, warehouse):
    crowd = people(poison=True)
    poison = next(p for p in crowd if p.n == POISON)
    h = make_harness(vendor, serve, poison_email=poison.address)
    _, con = warehouse
    write_audience(con, crowd)
    first_write = {"klaviyo": "POST /api/profile-bulk-import-jobs", "mailchimp": "POST /3.0/lists/",
                   "meta": "POST /v25.0/", "google_ads": "POST /v26/", "webhook": "POST /hooks/"}[vendor]
    h.fake.fail_next("429", match=first_write, retry_after="3")
    h.fake.fail_next("500", match=first_write)
    h.fake.fail_next("slow", match=first_write, delay=SHORT_TIMEOUT + 0.3)
    if vendor == "meta":
        h.fake.fail_next("meta_throttle")

    result = run_sync(con, h.sync(), h.client(timeout=SHORT_TIMEOUT))

    assert result.status == "partial", result.error
    assert h.fake.members() == h.expected(crowd, exclude=(POISON,))
    assert result.rejected == 1 and result.accepted == len(h.expected(crowd, exclude=(POISON,)))
    assert max(h.sleeps) >= 3, "Retry-After was not honoured"
    assert result.http_retries >= 3
    failures = _failures(con)
    assert [(f[0], f[1], f[2]) for f in failures] == [(poison.customer_id, "open", 1)]
    assert failures[0][3], "the destination's error is stored"
    assert_never_sent(h.fake, crowd, h.eligible)

    # The rejected record is retried by the next run, alone, and nothing else is sent.
    h.fake.clear_log()
    again = run_sync(con, h.sync(), h.client())
    assert again.sent == 1 and again.retried == 1 and again.rejected == 1
    assert h.fake.members() == h.expected(crowd, exclude=(POISON,))
    assert _failures(con)[0][2] == 2
    assert_never_sent(h.fake, crowd, h.eligible)


def test_a_repeat_run_without_changes_sends_nothing(vendor, serve, warehouse):
    crowd = people()
    h = make_harness(vendor, serve)
    _, con = warehouse
    write_audience(con, crowd)
    first = run_sync(con, h.sync(), h.client())
    assert first.status == "success", first.error
    assert h.fake.members() == h.expected(crowd)
    assert all(count == 1 for count in h.fake.adds.values()), h.fake.adds

    h.fake.clear_log()
    second = run_sync(con, h.sync(), h.client())
    assert second.status == "noop"
    assert h.fake.log == [] and second.requests == 0
    assert_never_sent(h.fake, crowd, h.eligible)


def test_a_dry_run_plans_exactly_and_calls_nothing(vendor, serve, warehouse):
    crowd = people()
    h = make_harness(vendor, serve)
    _, con = warehouse
    write_audience(con, crowd)
    plan = run_sync(con, h.sync(), h.client(), dry_run=True)
    assert plan.status == "dry_run" and h.fake.log == []
    assert plan.planned == {"adds": len(h.expected(crowd)), "updates": 0, "removes": 0, "deletions": 0}
    assert plan.requests_estimate > 0 and plan.samples["add"]

    run_sync(con, h.sync(), h.client())
    h.fake.clear_log()
    con.execute("delete from marts.aud_test where customer_id in ('cust-0001', 'cust-0002')")
    con.execute("update marts.aud_test set ltv = 999, first_name = 'Renamed' where customer_id = 'cust-0003'")
    write_more = [p for p in people() if p.n == 4]
    write_more[0].n = 40
    con.execute("insert into marts.aud_test values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", write_more[0].row())
    plan = run_sync(con, h.sync(), h.client(), dry_run=True)
    assert h.fake.log == [], "a dry run must not call the destination"
    updates = 1 if h.fields else 0
    assert plan.planned == {"adds": 1, "updates": updates, "removes": 2, "deletions": 0}
    assert sorted(s["customer_id"] for s in plan.samples["remove"]) == ["cust-0001", "cust-0002"]
    if updates:
        assert plan.samples["update"][0]["customer_id"] == "cust-0003"
        assert plan.samples["update"][0]["changes"]
    stored = con.execute("select adds, updates, removes, dry_run from activation.sync_plans "
                         "order by created_at desc limit 1").fetchone()
    assert stored == (1, updates, 2, True)


def test_mirror_mode_removes_people_who_left_or_withdrew_consent(vendor, serve, warehouse):
    crowd = people()
    h = make_harness(vendor, serve)
    _, con = warehouse
    write_audience(con, crowd)
    run_sync(con, h.sync(), h.client())
    assert h.fake.members() == h.expected(crowd)

    con.execute("delete from marts.aud_test where customer_id in ('cust-0001', 'cust-0002', 'cust-0003')")
    column = "consent_ads" if h.consent == "ads" else "consent_email"
    con.execute(f"update marts.aud_test set {column} = false where customer_id = 'cust-0004'")
    result = run_sync(con, h.sync(), h.client())
    assert result.status == "success", result.error
    assert result.planned["removes"] == 4
    assert h.fake.members() == h.expected(crowd, exclude=(1, 2, 3, 4))


def test_upsert_mode_keeps_leavers_but_removes_withdrawn_consent(vendor, serve, warehouse):
    crowd = people()
    h = make_harness(vendor, serve)
    _, con = warehouse
    write_audience(con, crowd)
    run_sync(con, h.sync("upsert"), h.client())
    con.execute("delete from marts.aud_test where customer_id = 'cust-0001'")
    con.execute("update marts.aud_test set is_suppressed = true where customer_id = 'cust-0002'")
    result = run_sync(con, h.sync("upsert"), h.client())
    assert result.planned["removes"] == 1
    assert h.fake.members() == h.expected(crowd, exclude=(2,))


def test_a_crash_between_batches_loses_nothing_and_sends_nothing_twice(vendor, serve, warehouse):
    crowd = people()
    h = make_harness(vendor, serve)
    path, con = warehouse
    write_audience(con, crowd)

    def crash(op: str, batch: int) -> None:
        if batch == 1:
            raise SimulatedCrash

    with pytest.raises(SimulatedCrash):
        run_sync(con, h.sync(), h.client(), hooks=RunHooks(after_batch=crash))
    assert 0 < len(h.fake.members()) < len(h.expected(crowd))
    con.close()

    con = duckdb.connect(str(path))  # a new process would reopen the warehouse
    try:
        result = run_sync(con, h.sync(), h.client())
        assert result.status == "success", result.error
        assert h.fake.members() == h.expected(crowd)
        assert set(h.fake.adds.values()) == {1}, f"someone was sent twice: {h.fake.adds}"
        statuses = [r[0] for r in con.execute("select status from activation.sync_runs order by started_at").fetchall()]
        assert statuses == ["crashed", "success"]
    finally:
        con.close()


def test_an_erasure_reaches_the_destination_and_the_person_is_never_sent_again(vendor, serve, warehouse):
    crowd = people()
    h = make_harness(vendor, serve)
    _, con = warehouse
    write_audience(con, crowd)
    run_sync(con, h.sync(), h.client())
    assert queue_erasure(con, "cust-0005") == 1

    plan = run_sync(con, h.sync(), h.client(), dry_run=True)
    assert plan.planned == {"adds": 0, "updates": 0, "removes": 0, "deletions": 1}
    result = run_sync(con, h.sync(), h.client())
    assert result.status == "success", result.error
    assert h.fake.members() == h.expected(crowd, exclude=(5,))
    assert con.execute("select count(*) from activation.sync_state where customer_id = 'cust-0005'").fetchone() == (0,)
    assert con.execute("select status, payload from activation.deletion_queue").fetchall() == [("done", None)]

    # still listed in the audience (marts not rebuilt yet): never planned again
    h.fake.clear_log()
    assert run_sync(con, h.sync(), h.client()).status == "noop"
    assert h.fake.log == []
