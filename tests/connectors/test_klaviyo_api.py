"""The Klaviyo connector against a fake Klaviyo over HTTP: land, resume, retry, refuse, quarantine, keep secrets."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import requests
from dlt.pipeline.exceptions import PipelineStepFailed
from pytest_httpserver import HTTPServer

from core.contracts import load_contracts
from ingestion.api import load_from_api
from ingestion.contract_check import QUARANTINE_SCHEMA
from ingestion.load import make_pipeline
from ingestion.sources.klaviyo import SYSTEM, settings, source
from ingestion.sources.klaviyo.client import KlaviyoAuthError, KlaviyoClient, KlaviyoError
from tests.connectors.fake_klaviyo_zendesk import FakeKlaviyo, Fault
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

API_KEY = "pk_live_5ecretKlaviyoKey0123456789abcdef"
CONTRACT = load_contracts()[SYSTEM]
METADATA = ["_cdw_source_file", "_cdw_loaded_at"]


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def klaviyo(server: HTTPServer) -> FakeKlaviyo:
    """An account: 5 metrics, 3 lists, 5 profiles since the start date (+1 older), 4 memberships, 7 events."""
    fake = FakeKlaviyo(server, API_KEY)
    for metric_id, name in [("RECV", "Received Email"), ("OPEN", "Opened Email"), ("CLICK", "Clicked Email"),
                            ("SUB", "Subscribed to List"), ("UNSUB", "Unsubscribed")]:
        fake.add_metric(metric_id, name)
    fake.add_list("L1", "Newsletter", "2024-01-02T00:00:00+00:00")
    fake.add_list("L2", "SMS Club", "2024-01-03T00:00:00+00:00", opt_in="single_opt_in")
    fake.add_list("L3", "VIP", "2024-01-04T00:00:00+00:00")
    fake.add_profile("P0", "old@example.com", "2023-11-01T00:00:00+00:00")  # before the start date
    fake.add_profile("P1", "ann@example.com", "2024-01-05T10:00:00+00:00", consent_at="2024-01-05T10:00:00+00:00")
    fake.add_profile("P2", "bo@example.com", "2024-01-06T10:00:00+00:00", phone="+15125550100",
                     sms_consent="SUBSCRIBED", consent_at="2024-01-06T10:00:00+00:00", external_id="7001")
    fake.add_profile("P3", "cy@example.com", "2024-01-07T10:00:00+00:00", email_consent="NEVER_SUBSCRIBED")
    fake.add_profile("P4", "di@example.com", "2024-01-08T10:00:00+00:00", email_consent="UNSUBSCRIBED",
                     consent_at="2024-01-08T10:00:00+00:00")
    fake.add_profile("P5", "ed@example.com", "2024-01-09T10:00:00+00:00")
    for list_id, profile_id, joined in [("L1", "P1", "2024-01-05T10:00:00+00:00"),
                                        ("L1", "P2", "2024-01-06T10:00:00+00:00"),
                                        ("L1", "P3", "2024-01-07T10:00:00+00:00"),
                                        ("L2", "P2", "2024-01-06T11:00:00+00:00")]:
        fake.add_member(list_id, profile_id, joined)
    campaign = {"Campaign Name": "January Sale", "Subject": "20% off", "Message Channel": "email"}
    fake.add_event("E1", "P1", "SUB", "2024-01-05T10:00:00+00:00", **{"List ID": "L1"})
    fake.add_event("E2", "P1", "RECV", "2024-01-06T08:00:00+00:00", **campaign)
    fake.add_event("E3", "P2", "RECV", "2024-01-06T08:00:01+00:00", **campaign)
    fake.add_event("E4", "P1", "OPEN", "2024-01-06T09:00:00+00:00", **campaign)
    fake.add_event("E5", "P1", "CLICK", "2024-01-06T09:05:00+00:00", **campaign, URL="https://shop.example/sale")
    fake.add_event("E6", "P4", "UNSUB", "2024-01-08T10:00:00+00:00", **{"List ID": "L1"})
    fake.add_event("E7", "P0", "RECV", "2023-11-02T00:00:00+00:00", **campaign)  # before the start date
    fake.add_event("E8", "P3", "RECV", "2024-01-09T08:00:00+00:00", **campaign)
    return fake


# -- helpers ---------------------------------------------------------------------------------


def run(fake: FakeKlaviyo, root: Path, **overrides: Any) -> dict[str, int]:
    """One pipeline run of the connector against the fake, into ``root``/warehouse.duckdb; rows per table."""
    return run_source(source, CONTRACT, root, {"api_key": API_KEY, "start_date": "2024-01-01", "base_url": fake.url,
                                          "backoff_scale": 0.001, **overrides})


rows = partial(landed_rows, CONTRACT.schema)
by_id = partial(landed_by_id, CONTRACT.schema)
columns = partial(landed_columns, CONTRACT.schema)


def keys(root: Path, table: str) -> list[tuple]:
    pk = CONTRACT.table(table).primary_key
    return [tuple(r[k] for k in pk) for r in rows(root, table)]


def filters(fake: FakeKlaviyo, path: str) -> set[str | None]:
    return {r.params.get("filter") for r in fake.calls(path)}


# -- tests -----------------------------------------------------------------------------------


def test_first_run_lands_every_contract_table_with_landed_names(klaviyo: FakeKlaviyo, tmp_path: Path) -> None:
    landed = run(klaviyo, tmp_path)

    for table in CONTRACT.tables:  # exactly the contract's columns, then the pipeline's own
        got = [c for c in columns(tmp_path, table.name) if not c.startswith("_dlt")]
        assert got == [*table.column_names, *METADATA], table.name
    assert sorted(by_id(tmp_path, "profiles")) == ["P1", "P2", "P3", "P4", "P5"]
    assert sorted(by_id(tmp_path, "lists")) == ["L1", "L2", "L3"]
    assert sorted(by_id(tmp_path, "metrics")) == ["CLICK", "OPEN", "RECV", "SUB", "UNSUB"]
    assert sorted(by_id(tmp_path, "events")) == ["E1", "E2", "E3", "E4", "E5", "E6", "E8"]
    assert sorted(keys(tmp_path, "list_members")) == [("L1", "P1"), ("L1", "P2"), ("L1", "P3"), ("L2", "P2")]

    p2 = by_id(tmp_path, "profiles")["P2"]
    assert p2["attributes__email"] == "bo@example.com"
    assert p2["attributes__subscriptions__email__marketing__consent"] == "SUBSCRIBED"
    assert p2["attributes__subscriptions__sms__marketing__consent"] == "SUBSCRIBED"
    assert p2["attributes__subscriptions__sms__marketing__consent_timestamp"] == "2024-01-06T10:00:00+00:00"
    assert p2["attributes__location__city"] == "Austin"
    assert p2["attributes__external_id"] == "7001"
    assert p2["_cdw_source_file"] == "api:klaviyo/profiles"
    assert p2["_cdw_loaded_at"] is not None
    assert by_id(tmp_path, "profiles")["P4"]["attributes__subscriptions__email__marketing__consent"] == "UNSUBSCRIBED"

    e5 = by_id(tmp_path, "events")["E5"]
    assert (e5["relationships__profile__data__id"], e5["relationships__metric__data__id"]) == ("P1", "CLICK")
    assert e5["attributes__event_properties__campaign_name"] == "January Sale"
    assert e5["attributes__event_properties__url"] == "https://shop.example/sale"
    assert e5["attributes__event_properties__message_channel"] == "email"
    assert by_id(tmp_path, "events")["E6"]["attributes__event_properties__list_id"] == "L1"
    assert by_id(tmp_path, "metrics")["OPEN"]["attributes__integration__name"] == "Klaviyo"
    assert by_id(tmp_path, "lists")["L2"]["attributes__opt_in_process"] == "single_opt_in"

    # what was asked: the documented parameters, the start date as the first cursor
    first = klaviyo.calls("/api/profiles")[0].params
    assert first == {"additional-fields[profile]": "subscriptions", "page[size]": "100", "sort": "updated",
                     "filter": "greater-than(updated,2023-12-31T23:59:59Z)"}
    assert filters(klaviyo, "/api/events") == {"greater-or-equal(datetime,2024-01-01T00:00:00Z)"}
    assert len(klaviyo.calls("/api/events")) == 3  # followed links.next over 7 events, 3 per page
    member_call = klaviyo.calls("/api/lists/L1/profiles")[0].params
    assert member_call["fields[profile]"] == "joined_group_at"
    assert member_call["filter"] == "greater-or-equal(joined_group_at,2024-01-01T00:00:00Z)"
    for request in klaviyo.requests:
        assert request.headers["Revision"] == settings.REVISION
        assert request.headers["Authorization"] == f"Klaviyo-API-Key {API_KEY}"
        assert request.headers["Accept"] == "application/vnd.api+json"

    assert landed["events"] == 7 and "quarantine" not in landed


def test_second_run_asks_only_for_changes_and_duplicates_nothing(klaviyo: FakeKlaviyo, tmp_path: Path) -> None:
    run(klaviyo, tmp_path)
    klaviyo.add_profile("P2", "bo@example.com", "2024-01-11T12:00:00+00:00", phone="+15125550100",
                        email_consent="UNSUBSCRIBED", sms_consent="SUBSCRIBED", consent_at="2024-01-11T12:00:00+00:00")
    klaviyo.add_profile("P6", "fay@example.com", "2024-01-11T13:00:00+00:00")
    klaviyo.add_list("L3", "VIP customers", "2024-01-11T09:00:00+00:00")
    klaviyo.add_member("L2", "P6", "2024-01-11T13:00:00+00:00")
    klaviyo.add_event("E9", "P6", "SUB", "2024-01-11T13:00:00+00:00", **{"List ID": "L2"})
    klaviyo.clear_log()

    run(klaviyo, tmp_path)

    # the cursors of the first run, as filters (profiles/lists: greater-than, one second of overlap)
    assert filters(klaviyo, "/api/profiles") == {"greater-than(updated,2024-01-09T09:59:59Z)"}
    assert filters(klaviyo, "/api/lists") - {None} == {"greater-than(updated,2024-01-03T23:59:59Z)"}
    assert filters(klaviyo, "/api/events") == {"greater-or-equal(datetime,2024-01-09T08:00:00Z)"}
    assert filters(klaviyo, "/api/lists/L2/profiles") == {"greater-or-equal(joined_group_at,2024-01-07T10:00:00Z)"}
    assert len(klaviyo.calls("/api/events")) == 1  # one page of changes, not the whole history

    for table in ("profiles", "lists", "list_members", "events", "metrics"):
        found = keys(tmp_path, table)
        assert len(found) == len(set(found)), f"duplicates in {table}"
    profiles = by_id(tmp_path, "profiles")
    assert sorted(profiles) == ["P1", "P2", "P3", "P4", "P5", "P6"]
    assert profiles["P2"]["attributes__subscriptions__email__marketing__consent"] == "UNSUBSCRIBED"
    assert profiles["P2"]["attributes__updated"] == "2024-01-11T12:00:00+00:00"
    assert by_id(tmp_path, "lists")["L3"]["attributes__name"] == "VIP customers"
    assert ("L2", "P6") in keys(tmp_path, "list_members") and len(keys(tmp_path, "list_members")) == 5
    assert sorted(by_id(tmp_path, "events")) == ["E1", "E2", "E3", "E4", "E5", "E6", "E8", "E9"]

    # a third run with nothing new: the overlap re-reads rows already landed, dlt drops them
    klaviyo.clear_log()
    counts = run(klaviyo, tmp_path)
    assert filters(klaviyo, "/api/profiles") == {"greater-than(updated,2024-01-11T12:59:59Z)"}  # P6 comes back...
    assert not any(counts.get(t) for t in ("profiles", "lists", "list_members", "events")), counts  # ...not landed
    assert len(keys(tmp_path, "profiles")) == 6


def test_rate_limits_and_server_errors_are_retried_and_everything_lands(
        klaviyo: FakeKlaviyo, tmp_path: Path, waits: Callable[[], list[float]]) -> None:
    klaviyo.fail("/api/profiles", Fault(429, retry_after="2"), Fault(429, retry_after="2"))
    klaviyo.fail("/api/events", Fault(500), Fault(429, retry_after="1"))
    klaviyo.fail("/api/lists/L1/profiles", Fault(503, retry_after="1"))
    klaviyo.fail("/api/metrics", Fault(502))

    run(klaviyo, tmp_path)

    assert sorted(by_id(tmp_path, "profiles")) == ["P1", "P2", "P3", "P4", "P5"]
    assert sorted(by_id(tmp_path, "events")) == ["E1", "E2", "E3", "E4", "E5", "E6", "E8"]
    assert len(keys(tmp_path, "list_members")) == 4 and len(keys(tmp_path, "metrics")) == 5
    assert len(klaviyo.calls("/api/profiles")) == 3  # two 429s, then the one page
    assert sorted(waits()) == [1.0, 1.0, 1.0, 1.0, 2.0, 2.0]  # Retry-After as told, else 1 s backoff


def test_an_invalid_key_stops_the_run_with_a_clear_error_and_no_retries(
        klaviyo: FakeKlaviyo, tmp_path: Path, waits: Callable[[], list[float]]) -> None:
    wrong = "pk_wrong_0000000000000000000000000000"
    with pytest.raises(PipelineStepFailed) as failure:
        run(klaviyo, tmp_path, api_key=wrong)

    auth = next(e for e in _chain(failure.value) if isinstance(e, KlaviyoAuthError))
    assert auth.status == 401
    assert "401" in str(auth) and "SOURCES__KLAVIYO__API_KEY" in str(auth) and "invalid private key" in str(auth)
    assert wrong not in str(failure.value) and API_KEY not in str(failure.value)
    paths = [r.path for r in klaviyo.requests]
    assert len(paths) == len(set(paths)) and waits() == []  # 401 is not retried


def test_a_contract_breaking_record_is_quarantined_and_the_rest_lands(klaviyo: FakeKlaviyo, tmp_path: Path) -> None:
    klaviyo.add_profile("PX", "not-an-email", "2024-01-09T11:00:00+00:00")
    klaviyo.add_event("EX", "P1", "OPEN", "2024-01-09T12:00:00+00:00")
    klaviyo.events["EX"]["relationships"]["profile"]["data"] = None  # an event nobody did
    klaviyo.add_metric("NONAME", None)  # type: ignore[arg-type]

    landed = run(klaviyo, tmp_path)

    assert "PX" not in by_id(tmp_path, "profiles") and "EX" not in by_id(tmp_path, "events")
    assert sorted(by_id(tmp_path, "profiles")) == ["P1", "P2", "P3", "P4", "P5"]
    quarantine = {r["table_name"]: r for r in rows(tmp_path, "quarantine")}
    assert set(quarantine) == {"profiles", "events", "metrics"}
    assert quarantine["profiles"]["reason"] == "malformed email in attributes__email"
    assert quarantine["profiles"]["source_file"] == "api:klaviyo/profiles"
    assert '"id":"PX"' in quarantine["profiles"]["payload"]
    assert quarantine["events"]["reason"] == "missing required relationships__profile__data__id"
    assert quarantine["metrics"]["reason"] == "missing required attributes__name"
    assert [c for c in columns(tmp_path, "quarantine") if not c.startswith("_dlt")] == QUARANTINE_SCHEMA.names
    assert landed["quarantine"] == 3 and landed["profiles"] == 5 and landed["metrics"] == 5

    run(klaviyo, tmp_path)  # delivered again: still one quarantine row each
    assert len(rows(tmp_path, "quarantine")) == 3


def test_the_api_key_never_reaches_logs_or_the_warehouse(
        klaviyo: FakeKlaviyo, tmp_path: Path, caplog: pytest.LogCaptureFixture,
        capfd: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    klaviyo.fail("/api/profiles", Fault(429, retry_after="1"), Fault(500))
    klaviyo.add_profile("PX", "not-an-email", "2024-01-09T11:00:00+00:00")  # a payload in quarantine too
    run(klaviyo, tmp_path)
    with pytest.raises(PipelineStepFailed):
        run(klaviyo, tmp_path / "wrong", api_key=API_KEY + "x")

    assert "klaviyo GET /api/profiles: HTTP 429 (Retry-After); waiting 1.00 s" in caplog.text  # logged...
    captured = capfd.readouterr()
    for text in (caplog.text, captured.out, captured.err):
        assert API_KEY not in text  # ...without the key
    assert not _warehouse_values_containing(tmp_path / "warehouse.duckdb", API_KEY)
    for path in tmp_path.rglob("*"):  # nor in pipeline state, schemas, traces
        if path.is_file() and path.suffix != ".duckdb":
            assert API_KEY.encode() not in path.read_bytes(), path


def test_credentials_and_start_date_come_from_environment(
        klaviyo: FakeKlaviyo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCES__KLAVIYO__API_KEY", API_KEY)
    monkeypatch.setenv("SOURCES__KLAVIYO__START_DATE", "2024-01-07")
    monkeypatch.setenv("SOURCES__KLAVIYO__BASE_URL", klaviyo.url)
    pipeline = make_pipeline(SYSTEM, CONTRACT.schema, tmp_path / "warehouse.duckdb", tmp_path / "pipelines")
    pipeline.run(source().with_resources("profiles", "quarantine"))

    assert sorted(by_id(tmp_path, "profiles")) == ["P3", "P4", "P5"]
    assert filters(klaviyo, "/api/profiles") == {"greater-than(updated,2024-01-06T23:59:59Z)"}
    assert {r.path for r in klaviyo.requests} == {"/api/profiles"}
    for path in tmp_path.rglob("*"):  # the resolved secret is not in the run's trace or state
        if path.is_file():
            assert API_KEY.encode() not in path.read_bytes(), path


def test_load_from_api_discovers_and_runs_the_connector(klaviyo: FakeKlaviyo, tmp_path: Path) -> None:
    klaviyo.add_profile("PX", "not-an-email", "2024-01-09T11:00:00+00:00")
    overrides = {"api_key": API_KEY, "start_date": "2024-01-01", "base_url": klaviyo.url, "backoff_scale": 0.001}
    result = load_from_api([SYSTEM], tmp_path / "warehouse.duckdb", tmp_path / "pipelines",
                           vendor_overrides={SYSTEM: overrides})

    assert result.landed["raw_klaviyo.profiles"] == 5 and result.landed["raw_klaviyo.events"] == 7
    assert result.quarantined == {"raw_klaviyo.profiles": {"malformed email in attributes__email": 1}}
    assert result.table_rows["raw_klaviyo.list_members"] == 4


def test_the_fake_requires_the_revision_header(klaviyo: FakeKlaviyo) -> None:
    answer = requests.get(f"{klaviyo.url}/api/profiles", headers={"Authorization": f"Klaviyo-API-Key {API_KEY}"},
                          timeout=5)
    assert answer.status_code == 400 and "revision" in answer.text


def test_the_client_never_sends_the_key_to_another_host(klaviyo: FakeKlaviyo) -> None:
    client = KlaviyoClient(API_KEY, base_url=klaviyo.url)
    with pytest.raises(KlaviyoError, match="refusing to send the API key"):
        client.get("http://203.0.113.9/api/profiles")
    assert klaviyo.requests == [] and API_KEY not in repr(client)
