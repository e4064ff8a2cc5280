"""The Zendesk connector against a fake Zendesk over HTTP: land, resume, retry, refuse, quarantine, keep secrets."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from dlt.pipeline.exceptions import PipelineStepFailed
from pytest_httpserver import HTTPServer

from core.contracts import load_contracts
from ingestion.load import make_pipeline
from ingestion.sources.zendesk import SYSTEM, source
from ingestion.sources.zendesk.client import ZendeskAuthError
from ingestion.sources.zendesk.source import epoch_seconds
from tests.connectors.fake_klaviyo_zendesk import FakeZendesk, Fault, decode_cursor, epoch
from tests.connectors.landing import (
    error_chain as _chain,
)
from tests.connectors.landing import (
    landed_by_id,
    landed_columns,
    landed_rows,
    run_source,
)
from tests.connectors.landing import (
    warehouse_values_containing as _warehouse_values_containing,
)

EMAIL = "ops@shop.example"
API_TOKEN = "zdTok3n5ecretABCDEFGHIJKLMNOPQRSTUVWX"
OAUTH_TOKEN = "zdOAuthAcce55TokenSecret0123456789"
EXPIRED_TOKEN = "zdOAuthExpiredToken9876543210abcdef"
CONTRACT = load_contracts()[SYSTEM]
TICKETS = "/api/v2/incremental/tickets/cursor.json"
USERS = "/api/v2/incremental/users/cursor.json"
RATINGS = "/api/v2/satisfaction_ratings.json"


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def zendesk(server: HTTPServer) -> FakeZendesk:
    """An account: 3 users since the start date (+1 older), 4 tickets (+1 older), 3 ratings."""
    fake = FakeZendesk(server, EMAIL, API_TOKEN, oauth_tokens=(OAUTH_TOKEN,), expired_tokens=(EXPIRED_TOKEN,))
    fake.put_user(1, "2023-11-01T00:00:00Z", email="old@example.com", name="Old Timer")
    fake.put_user(101, "2024-01-02T09:00:00Z", email="ann@example.com", name="Ann Lee", tags=("vip", "wholesale"),
                  phone="+15125550100", organization_id=77, external_id="shopify-7001")
    fake.put_user(102, "2024-01-03T09:00:00Z", email="bo@example.com", name="Bo Park")
    fake.put_user(900, "2024-01-04T09:00:00Z", email="agent@shop.example", name="Sam Agent", role="agent",
                  tags=("staff",))
    fake.put_ticket(5, "2023-12-01T00:00:00Z", requester_id=1)
    fake.put_ticket(11, "2024-01-05T10:00:00Z", requester_id=101, tags=("refund", "shopify"), channel="web",
                    external_id="#1001")
    fake.put_ticket(12, "2024-01-05T11:00:00Z", requester_id=102, status="pending")
    fake.put_ticket(13, "2024-01-06T12:00:00Z", requester_id=101, status="solved", tags=())
    fake.put_ticket(14, "2024-01-07T13:00:00Z", requester_id=102, channel="chat")
    fake.put_rating(501, 13, "2024-01-06T15:00:00Z", score="good", comment="Quick, thanks")
    fake.put_rating(502, 11, "2024-01-07T15:00:00Z", score="offered", comment=None)
    fake.put_rating(503, 12, "2024-01-08T15:00:00Z", score="bad", comment="Still waiting", reason="Issue not resolved")
    return fake


# -- helpers ---------------------------------------------------------------------------------


def run(fake: FakeZendesk, root: Path, **overrides: Any) -> dict[str, int]:
    """One pipeline run of the connector against the fake, into ``root``/warehouse.duckdb; rows per table."""
    return run_source(source, CONTRACT, root, {"email": EMAIL, "api_token": API_TOKEN, "start_date": "2024-01-01",
                                          "base_url": fake.url, "backoff_scale": 0.001, **overrides})


rows = partial(landed_rows, CONTRACT.schema)
by_id = partial(landed_by_id, CONTRACT.schema)
columns = partial(landed_columns, CONTRACT.schema)


# -- tests -----------------------------------------------------------------------------------


def test_first_run_lands_users_tickets_and_ratings_with_landed_names(zendesk: FakeZendesk, tmp_path: Path) -> None:
    landed = run(zendesk, tmp_path)

    for table in CONTRACT.tables:
        got = [c for c in columns(tmp_path, table.name) if not c.startswith("_dlt")]
        assert got == [*table.column_names, "_cdw_source_file", "_cdw_loaded_at"], table.name
    users, tickets = by_id(tmp_path, "users"), by_id(tmp_path, "tickets")
    ratings = by_id(tmp_path, "satisfaction_ratings")
    assert sorted(users) == [101, 102, 900]
    assert sorted(tickets) == [11, 12, 13, 14]
    assert sorted(ratings) == [501, 502, 503]

    assert tickets[11]["via__channel"] == "web"
    assert tickets[11]["tags"] == "refund,shopify" and tickets[13]["tags"] == ""
    assert (tickets[11]["requester_id"], tickets[11]["external_id"], tickets[11]["status"]) == (101, "#1001", "open")
    assert tickets[11]["_cdw_source_file"] == "api:zendesk/tickets"
    assert users[101]["tags"] == "vip,wholesale" and users[101]["organization_id"] == 77
    assert (users[101]["active"], users[101]["suspended"]) == (True, False)
    assert users[900]["role"] == "agent"
    assert ratings[503]["score"] == "bad" and ratings[503]["reason"] == "Issue not resolved"
    assert ratings[502]["comment"] is None

    # what was asked: the start date as start_time, then after_cursor, API-token basic auth
    start = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())
    assert zendesk.calls(TICKETS)[0].params == {"per_page": "1000", "start_time": str(start)}
    assert zendesk.calls(USERS)[0].params == {"per_page": "1000", "start_time": str(start)}
    ratings_start = int((datetime(2024, 1, 1, tzinfo=UTC) - timedelta(days=30)).timestamp())
    assert zendesk.calls(RATINGS)[0].params == {"start_time": str(ratings_start), "page[size]": "100"}
    basic = base64.b64encode(f"{EMAIL}/token:{API_TOKEN}".encode()).decode()
    assert {r.headers["Authorization"] for r in zendesk.requests} == {f"Basic {basic}"}
    assert landed["tickets"] == 4 and "quarantine" not in landed  # the 2023 ticket was not exported at all


def test_second_run_resumes_from_the_export_cursor_and_duplicates_nothing(zendesk: FakeZendesk, tmp_path: Path) -> None:
    run(zendesk, tmp_path)
    exported = {TICKETS: len(zendesk.export_log["tickets"]), USERS: len(zendesk.export_log["users"])}
    zendesk.put_ticket(12, "2024-01-09T10:00:00Z", requester_id=102, status="solved")  # an update
    zendesk.put_ticket(15, "2024-01-09T11:00:00Z", requester_id=101, subject="Wrong size")  # a new one
    zendesk.put_user(103, "2024-01-09T12:00:00Z", email="cy@example.com", name="Cy")
    zendesk.put_rating(502, 11, "2024-01-09T15:00:00Z", score="good", created_at="2024-01-07T15:00:00Z",
                       comment="Sorted in the end")
    zendesk.clear_log()

    run(zendesk, tmp_path)

    for path in (TICKETS, USERS):  # the after_cursor saved at the end of the first run's stream, no start_time
        (call,) = zendesk.calls(path)
        assert set(call.params) == {"cursor", "per_page"}
        assert decode_cursor(call.params["cursor"]) == exported[path]
    last_rating = datetime(2024, 1, 8, 15, tzinfo=UTC)
    assert zendesk.calls(RATINGS)[0].params["start_time"] == str(int((last_rating - timedelta(days=30)).timestamp()))

    tickets, users = by_id(tmp_path, "tickets"), by_id(tmp_path, "users")
    ratings = by_id(tmp_path, "satisfaction_ratings")
    assert sorted(tickets) == [11, 12, 13, 14, 15]
    assert tickets[12]["status"] == "solved" and tickets[12]["updated_at"] == "2024-01-09T10:00:00Z"
    assert sorted(users) == [101, 102, 103, 900]
    assert sorted(ratings) == [501, 502, 503]
    assert ratings[502]["score"] == "good" and ratings[502]["comment"] == "Sorted in the end"

    # a third run with nothing new: an empty export page, the re-read ratings are dropped by dlt
    zendesk.clear_log()
    counts = run(zendesk, tmp_path)
    assert not any(counts.get(t) for t in ("users", "tickets", "satisfaction_ratings")), counts
    assert len(zendesk.calls(TICKETS)) == 1 and len(by_id(tmp_path, "tickets")) == 5


def test_rate_limits_and_unavailability_are_retried_and_everything_lands(
        zendesk: FakeZendesk, tmp_path: Path, waits: Callable[[], list[float]]) -> None:
    zendesk.fail(TICKETS, Fault(429, retry_after="7", body={"error": "APIRateLimitExceeded"}),
                 Fault(503, retry_after="3", body={"error": "Maintenance"}))
    zendesk.fail(USERS, Fault(429, retry_after="60"))
    zendesk.fail(RATINGS, Fault(500), Fault(502))

    run(zendesk, tmp_path)

    assert sorted(by_id(tmp_path, "tickets")) == [11, 12, 13, 14]
    assert sorted(by_id(tmp_path, "users")) == [101, 102, 900]
    assert sorted(by_id(tmp_path, "satisfaction_ratings")) == [501, 502, 503]
    assert len(zendesk.calls(TICKETS)) == 3
    assert sorted(waits()) == [1.0, 2.0, 3.0, 7.0, 60.0]  # Retry-After as told, else 1 s then 2 s backoff


def test_export_pages_are_followed_to_the_end_of_stream(zendesk: FakeZendesk, tmp_path: Path) -> None:
    for n in range(20, 27):
        zendesk.put_ticket(n, f"2024-01-08T{n - 10:02d}:00:00Z", requester_id=102)
    zendesk.page_cap = 3  # the server sends fewer than the 1000 asked for

    run(zendesk, tmp_path)

    assert len(by_id(tmp_path, "tickets")) == 11
    calls = zendesk.calls(TICKETS)
    assert len(calls) == 4 and "start_time" in calls[0].params
    assert [decode_cursor(c.params["cursor"]) for c in calls[1:]] == [4, 7, 10]  # the 2023 ticket is skipped


def test_an_expired_oauth_token_stops_the_run_with_a_clear_error(
        zendesk: FakeZendesk, tmp_path: Path, waits: Callable[[], list[float]]) -> None:
    with pytest.raises(PipelineStepFailed) as failure:
        run(zendesk, tmp_path, email=None, api_token=None, oauth_token=EXPIRED_TOKEN)

    auth = next(e for e in _chain(failure.value) if isinstance(e, ZendeskAuthError))
    assert auth.status == 401
    assert "expired or revoked" in str(auth) and "SOURCES__ZENDESK__OAUTH_TOKEN" in str(auth)
    assert EXPIRED_TOKEN not in str(failure.value)
    assert waits() == [] and {r.headers["Authorization"] for r in zendesk.requests} == {f"Bearer {EXPIRED_TOKEN}"}

    run(zendesk, tmp_path / "renewed", email=None, api_token=None, oauth_token=OAUTH_TOKEN)  # a valid one works
    assert sorted(by_id(tmp_path / "renewed", "tickets")) == [11, 12, 13, 14]


def test_a_contract_breaking_record_is_quarantined_and_the_rest_lands(zendesk: FakeZendesk, tmp_path: Path) -> None:
    zendesk.put_ticket(16, "2024-01-07T14:00:00Z", requester_id=102, status=None)  # status is required
    zendesk.put_user(104, "2024-01-07T14:00:00Z", email="dee at example.com")

    landed = run(zendesk, tmp_path)

    assert 16 not in by_id(tmp_path, "tickets") and 104 not in by_id(tmp_path, "users")
    assert len(by_id(tmp_path, "tickets")) == 4 and len(by_id(tmp_path, "users")) == 3
    quarantine = {r["table_name"]: r for r in rows(tmp_path, "quarantine")}
    assert quarantine["tickets"]["reason"] == "missing required status"
    assert quarantine["tickets"]["source_file"] == "api:zendesk/tickets"
    assert quarantine["users"]["reason"] == "malformed email in email"
    assert landed["quarantine"] == 2


def test_credentials_never_reach_logs_or_the_warehouse(
        zendesk: FakeZendesk, tmp_path: Path, caplog: pytest.LogCaptureFixture,
        capfd: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    zendesk.fail(TICKETS, Fault(429, retry_after="1"))
    zendesk.put_user(104, "2024-01-07T14:00:00Z", email="dee at example.com")  # a payload in quarantine too
    run(zendesk, tmp_path)
    run(zendesk, tmp_path / "oauth", email=None, api_token=None, oauth_token=OAUTH_TOKEN)
    with pytest.raises(PipelineStepFailed):
        run(zendesk, tmp_path / "expired", email=None, api_token=None, oauth_token=EXPIRED_TOKEN)

    assert "zendesk GET /api/v2/incremental/tickets/cursor.json: HTTP 429 (Retry-After); waiting 1.00 s" in caplog.text
    captured = capfd.readouterr()
    basic = base64.b64encode(f"{EMAIL}/token:{API_TOKEN}".encode()).decode()
    for secret in (API_TOKEN, OAUTH_TOKEN, EXPIRED_TOKEN, basic):
        for text in (caplog.text, captured.out, captured.err):
            assert secret not in text
        for warehouse in tmp_path.rglob("warehouse.duckdb"):
            assert not _warehouse_values_containing(warehouse, secret)
        for path in tmp_path.rglob("*"):
            if path.is_file() and path.suffix != ".duckdb":
                assert secret.encode() not in path.read_bytes(), path


def test_configuration_comes_from_environment(zendesk: FakeZendesk, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCES__ZENDESK__EMAIL", EMAIL)
    monkeypatch.setenv("SOURCES__ZENDESK__API_TOKEN", API_TOKEN)
    monkeypatch.setenv("SOURCES__ZENDESK__START_DATE", "2024-01-05T10:30:00Z")
    monkeypatch.setenv("SOURCES__ZENDESK__BASE_URL", zendesk.url)
    pipeline = make_pipeline(SYSTEM, CONTRACT.schema, tmp_path / "warehouse.duckdb", tmp_path / "pipelines")
    pipeline.run(source().with_resources("tickets", "quarantine"))

    assert sorted(by_id(tmp_path, "tickets")) == [12, 13, 14]
    assert zendesk.calls(TICKETS)[0].params["start_time"] == str(epoch("2024-01-05T10:30:00Z"))
    for path in tmp_path.rglob("*"):  # the resolved secret is not in the run's trace or state
        if path.is_file():
            assert API_TOKEN.encode() not in path.read_bytes(), path


def test_start_time_is_never_within_the_last_minute() -> None:
    now = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    assert epoch_seconds("2024-06-01T11:59:30Z", now=now) == int((now - timedelta(seconds=61)).timestamp())
    assert epoch_seconds("2024-06-01T11:00:00Z", timedelta(hours=1), now=now) == int(datetime(
        2024, 6, 1, 10, tzinfo=UTC).timestamp())
    assert epoch_seconds(None) == 0
