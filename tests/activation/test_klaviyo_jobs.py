"""Klaviyo bulk import jobs are asynchronous: polled to the end, their per-profile errors stored.

The fake Klaviyo (tests/activation/fakes.py) queues each import job, reports it queued, then
processing, applies it only when it completes, lists refused profiles in ``/import-errors``, and
can fail, cancel or hold a job. Every test asserts on what the fake holds and on its request log.
"""

from __future__ import annotations

import re
from collections import Counter

import duckdb
import pytest

from activation import run_sync
from activation.runner import RunHooks
from tests.activation.conftest import (
    FAST_JOB_POLLING,
    POISON,
    Person,
    assert_never_sent,
    make_harness,
    people,
    write_audience,
)

JOB_STATUS = re.compile(r"^/api/profile-bulk-import-jobs/([^/]+)/?$")


def _state_keys(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("select record_key from activation.sync_state order by 1").fetchall()]


def _open_failures(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("select record_key, status, attempts, error from activation.sync_failures "
                       "where status <> 'resolved' order by record_key").fetchall()


def _imports_sent(fake) -> list[list[dict]]:
    return [e.json()["data"]["attributes"]["profiles"]["data"] for e in fake.log
            if e.method == "POST" and e.path == "/api/profile-bulk-import-jobs" and e.status == 202]


def test_a_job_is_polled_until_it_completes_and_only_then_advances_state(serve, warehouse):
    crowd = people()
    h = make_harness("klaviyo", serve)
    h.fake.polls_to_complete = 4
    h.fake.fail_next("429", match="GET /api/profile-bulk-import-jobs/", retry_after="3")
    _, con = warehouse
    write_audience(con, crowd)
    seen: list[tuple[int, int]] = []

    def after_batch(op: str, batch: int) -> None:
        # at every commit, what sync_state holds is exactly what Klaviyo's completed jobs applied
        done = sum(len(j.profiles) for j in h.fake.jobs.values() if j.status == "complete")
        seen.append((len(_state_keys(con)), done))
        assert all(j.status == "complete" for j in h.fake.jobs.values())

    result = run_sync(con, h.sync(), h.client(), hooks=RunHooks(after_batch=after_batch))

    assert result.status == "success", result.error
    assert h.fake.members() == h.expected(crowd)
    assert seen == [(4, 4), (8, 8), (11, 11)]
    polls = Counter(JOB_STATUS.match(e.path).group(1) for e in h.fake.log
                    if e.method == "GET" and JOB_STATUS.match(e.path) and e.status == 200)
    assert sorted(polls) == sorted(h.fake.jobs) and set(polls.values()) == {4}
    statuses = [e for e in h.fake.log if e.method == "GET" and JOB_STATUS.match(e.path)]
    assert statuses[0].status == 429, "the first status check was throttled"
    assert 3 in h.sleeps, "Retry-After of a throttled status check was honoured"
    # waits between checks grow by the backoff factor up to the cap: 0.5, 1, 2, 2 per job
    waits = [s for s in h.sleeps if s != 3]
    assert waits == [0.5, 1.0, 2.0, 2.0] * 3
    assert result.http_retries == 1 and result.requests == 3 + 3 * 4 + 1
    assert_never_sent(h.fake, crowd, h.eligible)


def test_a_profile_the_job_refuses_is_stored_with_klaviyos_error_and_only_it_is_retried(serve, warehouse):
    crowd = people(poison=True)
    poison = next(p for p in crowd if p.n == POISON)
    h = make_harness("klaviyo", serve, poison_email=poison.address)
    _, con = warehouse
    write_audience(con, crowd)
    expected = [p.customer_id for p in crowd if h.eligible(p) and p.n != POISON]

    first = run_sync(con, h.sync(), h.client())

    assert first.status == "partial", first.error
    assert (first.accepted, first.rejected) == (len(expected), 1)
    assert len(_imports_sent(h.fake)) == 3, "the job's errors named the profile: no batch was split and re-sent"
    assert h.fake.members() == h.expected(crowd, exclude=(POISON,))
    assert _state_keys(con) == sorted(expected)
    [(key, status, attempts, error)] = _open_failures(con)
    assert (key, status, attempts) == (poison.customer_id, "open", 1)
    job = next(j for j in h.fake.jobs.values() if j.errors)
    assert error == f"Klaviyo import job {job.id}: Invalid email address: {poison.address} was refused (invalid)"
    assert_never_sent(h.fake, crowd, h.eligible)

    h.fake.clear_log()
    second = run_sync(con, h.sync(), h.client())
    assert (second.sent, second.retried, second.rejected, second.accepted) == (1, 1, 1, 0)
    assert [[p["attributes"]["email"] for p in batch] for batch in _imports_sent(h.fake)] == [[poison.address]]
    assert _open_failures(con)[0][2] == 2
    assert_never_sent(h.fake, crowd, h.eligible)

    h.fake.reject_emails.clear()  # Klaviyo accepts the address now
    third = run_sync(con, h.sync(), h.client())
    assert third.status == "success" and (third.sent, third.accepted) == (1, 1)
    assert h.fake.members() == h.expected(crowd)
    assert _open_failures(con) == [] and _state_keys(con) == sorted([*expected, poison.customer_id])
    assert set(h.fake.adds.values()) == {1}, "nobody was applied twice"


def test_import_errors_are_read_page_by_page(serve, warehouse):
    crowd = [Person(n) for n in range(1, 131)]
    refused = {p.address for p in crowd if p.n > 5}
    h = make_harness("klaviyo", serve)
    h.fake.reject_emails = set(refused)
    _, con = warehouse
    write_audience(con, crowd)
    client = h.client(batch_size=200)
    sync = h.sync()

    result = run_sync(con, sync, client)

    assert (result.accepted, result.rejected) == (5, 125)
    pages = [e for e in h.fake.log if e.path.endswith("/import-errors")]
    assert [e.query.get("page[cursor]") for e in pages] == [None, ["100"]]
    assert len(_open_failures(con)) == 125
    assert h.fake.members() == sorted(p.address for p in crowd if p.n <= 5)


def test_failures_the_job_errors_do_not_name_are_isolated_by_splitting(serve, warehouse):
    crowd = people(poison=True)
    poison = next(p for p in crowd if p.n == POISON)
    h = make_harness("klaviyo", serve, poison_email=poison.address)
    h.fake.name_errors = False
    _, con = warehouse
    write_audience(con, crowd)

    result = run_sync(con, h.sync(), h.client())

    assert result.status == "partial", result.error
    assert (result.accepted, result.rejected) == (len(h.expected(crowd, exclude=(POISON,))), 1)
    assert [f[0] for f in _open_failures(con)] == [poison.customer_id]
    assert h.fake.members() == h.expected(crowd, exclude=(POISON,))
    assert_never_sent(h.fake, crowd, h.eligible)


@pytest.mark.parametrize("fate", ["failed", "cancelled", "stuck"])
def test_a_failed_or_timed_out_job_advances_nothing_and_the_rerun_sends_again(fate, serve, warehouse):
    crowd = people()
    h = make_harness("klaviyo", serve)
    h.fake.job_fates = [fate]
    _, con = warehouse
    write_audience(con, crowd)

    first = run_sync(con, h.sync(), h.client())

    assert first.status == "failed"
    expected_error = "not finished after" if fate == "stuck" else f"ended {fate}"
    assert expected_error in first.error and "Klaviyo import job" in first.error
    stored = con.execute("select status, error from activation.sync_runs").fetchall()
    assert stored == [("failed", first.error)], "the failed job is reported in the run history"
    assert _state_keys(con) == [] and first.accepted == 0
    assert len(_imports_sent(h.fake)) == 1, "the run stopped at the job that did not complete"
    assert h.fake.members() == []
    if fate == "stuck":
        assert sum(h.sleeps) == pytest.approx(FAST_JOB_POLLING["timeout"]), "polling is bounded by the timeout"
        assert max(h.sleeps) == FAST_JOB_POLLING["max_interval"]
        h.fake.finish_jobs()  # Klaviyo gets to the job after the run gave up on it
        assert len(h.fake.members()) == 4

    second = run_sync(con, h.sync(), h.client())

    assert second.status == "success", second.error
    resent = sorted(p["attributes"]["email"] for batch in _imports_sent(h.fake) for p in batch)
    first_batch = [p["attributes"]["email"] for p in _imports_sent(h.fake)[0]]
    assert sorted(first_batch + h.expected(crowd)) == resent, "the first job's people were sent again"
    assert h.fake.members() == h.expected(crowd)
    emails = [p.get("email") for p in h.fake.profiles.values()]
    assert sorted(emails) == h.expected(crowd), "each member is held once"
    assert _state_keys(con) == sorted(p.customer_id for p in crowd if h.eligible(p))
    assert_never_sent(h.fake, crowd, h.eligible)
