"""Unit tests: normalisation and hashing, configuration, retry/backoff, batching and bad-record isolation."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from activation.config import ConfigError, JobPolling, load_config, parse_destinations, parse_syncs
from activation.consent import block_reason, guard
from activation.credentials import redact, resolve
from activation.delivery import (
    BatchRejected,
    FatalDestinationError,
    HttpClient,
    JobTimedOut,
    RetriesExhausted,
    RetryPolicy,
    chunk,
    parse_retry_after,
    poll,
    send_isolating,
)
from activation.destinations import build_destination
from activation.destinations.mailchimp import subscriber_hash
from activation.hashing import (
    google_hashed_phone,
    hashed_email,
    meta_hashed_phone,
    normalise_email,
    normalise_phone,
)
from activation.records import BatchResult, OutRecord
from tests.activation.fakes import FakeVendor, _json


# ------------------------------------------------------------------------------------------ hashing
def test_emails_are_trimmed_and_lowercased_before_hashing():
    assert normalise_email("  Jane.Doe@Example.COM ") == "jane.doe@example.com"
    assert hashed_email(" Jane.Doe@Example.COM") == hashlib.sha256(b"jane.doe@example.com").hexdigest()
    assert normalise_email("not an email") is None and hashed_email(None) is None


def test_phones_are_e164_for_google_and_digits_only_for_meta():
    assert normalise_phone("+1 (415) 555-0134") == "+14155550134"
    assert normalise_phone("0044 20 7946 0958") == "+442079460958"
    assert normalise_phone("4155550134") is None, "no country code: refuse rather than guess"
    assert google_hashed_phone("+1 415 555 0134") == hashlib.sha256(b"+14155550134").hexdigest()
    assert meta_hashed_phone("+1 415 555 0134") == hashlib.sha256(b"14155550134").hexdigest()


def test_mailchimp_subscriber_hash_is_md5_of_the_lowercased_email():
    assert subscriber_hash("Jane@Example.com") == hashlib.md5(b"jane@example.com").hexdigest()


# ------------------------------------------------------------------------------------------ config
def test_literal_credentials_are_refused():
    with pytest.raises(ConfigError, match="must be a"):
        parse_destinations({"k": {"type": "klaviyo", "api_key": "pk_live_123", "list_id": "L"}}, {})


def test_references_resolve_from_env_and_never_show_their_value():
    dests = parse_destinations({"k": {"type": "klaviyo", "api_key": "${KEY}", "list_id": "L"}},
                               {"KEY": "pk_live_secret_value"})
    secret = dests["k"].secret("api_key")
    assert secret.get() == "pk_live_secret_value"
    assert "pk_live_secret_value" not in repr(dests["k"]) and "pk_live_secret_value" not in str(secret)
    assert redact("echo pk_live_secret_value back") == "echo *** back"


def test_missing_credentials_only_fail_when_used(tmp_path):
    secret_file = tmp_path / "token"
    secret_file.write_text("from-a-file\n")
    assert resolve(f"${{file:{secret_file}}}").get() == "from-a-file"
    dests = parse_destinations({"k": {"type": "klaviyo", "api_key": "${NOT_SET}", "list_id": "L"}}, {})
    assert dests["k"].missing_secrets() == ["${NOT_SET}"]


@pytest.mark.parametrize("change, message", [
    ({"mode": "sometimes"}, "mode: must be one of .*, got 'sometimes'"),
    ({"consent": "maybe"}, "consent: must be one of .*, got 'maybe'"),
    ({"destination": "nowhere"}, "is not configured"),
    ({"audience": "drop table x"}, "audience: must be a relation"),
    ({"colour": "blue"}, "unknown key"),
    ({"fields": {"FNAME": {"col": "first_name"}}}, "must be a column name"),
])
def test_sync_validation_says_what_is_wrong(change, message):
    dests = parse_destinations({"hook": {"type": "webhook", "url": "http://x", "secret": "${S}"}}, {"S": "s3cr3t"})
    body = {"name": "s", "audience": "marts.a", "destination": "hook", "mode": "mirror", "consent": "email", **change}
    with pytest.raises(ConfigError, match=message):
        parse_syncs([body], dests)


def test_the_example_configuration_loads():
    config = load_config(env={})
    assert {s.mode for s in config.syncs.values()} == {"mirror", "append", "upsert"}
    for sync in config.syncs.values():
        client = build_destination(config.destination_for(sync))
        assert client.validate_sync(sync) == [], sync.name


def test_ad_platforms_refuse_field_mappings_and_non_ads_consent():
    dests = parse_destinations({"m": {"type": "meta", "access_token": "${T}", "audience_id": "1"}}, {"T": "tok"})
    sync = parse_syncs([{"name": "s", "audience": "a", "destination": "m", "mode": "mirror", "consent": "email",
                         "fields": {"ltv": "ltv"}}], dests)["s"]
    problems = build_destination(dests["m"]).validate_sync(sync)
    assert len(problems) == 2


# ------------------------------------------------------------------------------------------ consent guard
def _record(key: str = "k", consent: bool | None = True, suppressed: bool | None = False) -> OutRecord:
    return OutRecord(key=key, customer_id=key, email=f"{key}@x.example", phone=None, fields={}, consent=consent,
                     suppressed=suppressed)


def test_the_guard_blocks_missing_consent_suppression_and_erasure():
    assert block_reason(_record(), "email") is None
    assert block_reason(_record(consent=False), "email") == "no email consent"
    assert block_reason(_record(consent=None), "ads") == "no ads consent"
    assert block_reason(_record(suppressed=True), "email") == "suppressed"
    allowed, blocked = guard([_record("a"), _record("b", consent=None)], "email")
    assert [r.key for r in allowed] == ["a"] and [r.key for r, _ in blocked] == ["b"]


# ------------------------------------------------------------------------------------------ delivery
def test_retry_after_accepts_seconds_and_http_dates():
    assert parse_retry_after("7") == 7.0
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == pytest.approx(30)
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_backoff_is_exponential_with_jitter_and_capped():
    policy = RetryPolicy(base_delay=1, max_delay=10, rng=random.Random(1))
    for attempt, ceiling in [(1, 1), (2, 2), (3, 4), (4, 8), (5, 10), (9, 10)]:
        waits = {policy.backoff(attempt) for _ in range(20)}
        assert all(ceiling / 2 <= w <= ceiling for w in waits) and len(waits) > 1


def test_job_polling_waits_grow_to_a_cap_and_stop_at_the_timeout():
    polling = JobPolling(interval=1, backoff=2, max_interval=5, timeout=20)
    waits: list[float] = []
    answers = iter([None, None, None, "complete"])
    assert poll(lambda: next(answers), polling, waits.append, "job") == "complete"
    assert waits == [1, 2, 4, 5]

    waits.clear()
    with pytest.raises(JobTimedOut, match=r"job: not finished after 6 status checks in 20s"):
        poll(lambda: None, polling, waits.append, "job")
    assert waits == [1, 2, 4, 5, 5, 3], "the last wait is cut so the last check falls on the timeout"

    clock = iter([0.0, 50.0])  # the wall clock counts too: a slow check uses up the time
    with pytest.raises(JobTimedOut):
        poll(lambda: None, polling, lambda _: None, "job", clock=lambda: next(clock))


@pytest.mark.parametrize("raw, message", [({"interval": 1, "timout": 9}, r"job_polling.timout: unknown key \(known: "),
                                          ({"backoff": 0.5}, "job_polling.backoff: .* greater than or equal to 1"),
                                          ({"timeout": "soon"}, "job_polling"), ([1], "must be a mapping")])
def test_job_polling_settings_are_checked_when_the_configuration_loads(raw, message):
    klaviyo = {"type": "klaviyo", "api_key": "${KEY}", "list_id": "L"}
    assert parse_destinations({"k": klaviyo}, {})["k"].job_polling == JobPolling()
    assert parse_destinations({"k": {**klaviyo, "job_polling": {"timeout": 60}}}, {})["k"].job_polling.timeout == 60
    with pytest.raises(ConfigError, match=message):
        parse_destinations({"k": {**klaviyo, "job_polling": raw}}, {})
    with pytest.raises(ConfigError, match="job_polling applies to"):
        parse_destinations({"w": {"type": "webhook", "url": "http://x", "secret": "${S}", "job_polling": {}}}, {})


def test_batches_respect_record_and_byte_limits():
    assert [len(b) for b in chunk(list(range(10)), 4)] == [4, 4, 2]
    assert [len(b) for b in chunk(["x" * 40] * 10, 100, max_bytes=100, size_of=len)] == [2] * 5


def test_a_rejected_batch_is_bisected_until_the_bad_record_stands_alone():
    calls: list[list[int]] = []
    outcome = BatchResult()

    def send(batch: list[int]) -> BatchResult:
        calls.append(batch)
        if 7 in batch:
            raise BatchRejected("HTTP 400: invalid email")
        return BatchResult(accepted=[str(i) for i in batch])

    send_isolating(list(range(16)), send, str, outcome.merge)
    assert sorted(outcome.accepted, key=int) == [str(i) for i in range(16) if i != 7]
    assert outcome.rejected == {"7": "HTTP 400: invalid email"}
    assert len(calls) == 1 + 2 * 4  # log2(16) levels, two requests each


def test_named_bad_records_are_dropped_without_bisecting():
    calls: list[list[int]] = []
    outcome = BatchResult()

    def send(batch: list[int]) -> BatchResult:
        calls.append(batch)
        if 3 in batch:
            raise BatchRejected("HTTP 400", {"3": "bad email"})
        return BatchResult(accepted=[str(i) for i in batch])

    send_isolating(list(range(8)), send, str, outcome.merge)
    assert outcome.rejected == {"3": "bad email"} and len(calls) == 2


class _Scripted(FakeVendor):
    """Answers with a scripted list of (status, headers) then 200."""

    def __init__(self, script: list[tuple[int, dict[str, str]]]) -> None:
        super().__init__()
        self.script = list(script)

    def handle(self, request, entry):  # noqa: ANN001, ANN201
        status, headers = self.script.pop(0) if self.script else (200, {})
        return _json({"status": status}, status, headers)


def test_http_client_honours_retry_after_and_retries_server_errors(serve):
    fake = _Scripted([(429, {"Retry-After": "5"}), (503, {}), (500, {})])
    url = serve(fake)
    sleeps: list[float] = []
    client = HttpClient(RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.02, sleep=sleeps.append))
    assert client.request("POST", url + "/x").status_code == 200
    assert sleeps[0] >= 5 and len(sleeps) == 3
    assert (client.stats.requests, client.stats.throttled, client.stats.server_errors) == (4, 1, 2)


def test_http_client_gives_up_and_refuses_bad_credentials(serve):
    url = serve(_Scripted([(500, {})] * 5))
    client = HttpClient(RetryPolicy(max_attempts=3, base_delay=0, max_delay=0, sleep=lambda s: None))
    with pytest.raises(RetriesExhausted, match="gave up after 3 attempts"):
        client.request("GET", url + "/x")
    serve(_Scripted([(429, {"Retry-After": "3600"})]))
    with pytest.raises(RetriesExhausted, match="exceeds"):
        client.request("GET", url + "/x")
    serve(_Scripted([(401, {})]))
    with pytest.raises(FatalDestinationError):
        client.request("GET", url + "/x")
