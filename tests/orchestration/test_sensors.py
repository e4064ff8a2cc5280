"""The landing sensor requests exactly one run per new file; the failure sensor records and posts alerts."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import dagster as dg
import pytest
from pytest_httpserver import HTTPServer

from core.contracts import load_contracts
from demo.generate import generate
from orchestration.alerts import read_alerts
from orchestration.config import load_config
from orchestration.definitions import defs
from orchestration.defs.sensors import build_run_failure_sensor
from orchestration.keys import raw_asset_key
from orchestration.resources import WarehouseResource

INSTANCE = dg.DagsterInstance.ephemeral()  # long-lived: see tests/orchestration/test_schedules.py


def _drop(landing: Path, relative: str, content: bytes, age_seconds: float = 60) -> Path:
    """A vendor file, written ``age_seconds`` ago (older than the settle time)."""
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    then = time.time() - age_seconds
    os.utime(path, (then, then))
    return path


class Ticker:
    """Ticks the real ``landing_files`` sensor as the daemon would, carrying the cursor."""

    def __init__(self, home: Path) -> None:
        self.sensor = defs.resolve_sensor_def("landing_files")
        self.home = home
        self.cursor: str | None = None
        self.instance = INSTANCE

    def tick(self) -> list[dg.RunRequest]:
        context = dg.build_sensor_context(instance=self.instance, cursor=self.cursor,
                                          resources={"warehouse": WarehouseResource(home=str(self.home))})
        result = self.sensor(context)
        self.cursor = result.cursor
        return list(result.run_requests or [])


def test_landing_sensor_requests_exactly_one_run_per_new_file(tmp_path: Path):
    ticker = Ticker(tmp_path)
    landing = tmp_path / "landing"
    assert ticker.tick() == []

    _drop(landing, "shopify/orders/2026-11-23T10.parquet", b"orders batch 1")
    _drop(landing, "amazon/orders.parquet", b"amazon orders")
    first = ticker.tick()
    assert sorted(r.tags["cdw/landing_file"] for r in first) == ["amazon/orders.parquet",
                                                                  "shopify/orders/2026-11-23T10.parquet"]
    shopify = next(r for r in first if r.tags["cdw/system"] == "shopify")
    contract = load_contracts()["shopify"]
    assert set(shopify.asset_selection) == {raw_asset_key(contract.schema, t.name) for t in contract.tables} | {
        raw_asset_key(contract.schema, "quarantine")}
    assert shopify.run_config == {"resources": {"warehouse": {"config": {"source": "drops"}}}}
    assert shopify.run_key.startswith("shopify/orders/2026-11-23T10.parquet:")
    assert len({r.run_key for r in first}) == 2

    for _ in range(3):  # the sensor ticks again and again: nothing new, nothing requested
        assert ticker.tick() == []

    _drop(landing, "shopify/orders/2026-11-23T11.parquet", b"orders batch 2")
    [second] = ticker.tick()
    assert second.tags["cdw/landing_file"] == "shopify/orders/2026-11-23T11.parquet"
    assert ticker.tick() == []


def test_files_being_written_wait_and_touched_files_are_not_new(tmp_path: Path):
    ticker = Ticker(tmp_path)
    landing = tmp_path / "landing"
    path = _drop(landing, "zendesk/tickets.parquet", b"tickets", age_seconds=0)
    _drop(landing, "zendesk/.tickets.parquet.swp", b"editor", age_seconds=60)
    _drop(landing, "zendesk/users.parquet.part", b"upload in progress", age_seconds=60)
    _drop(landing, "not_a_vendor/orders.parquet", b"unknown system", age_seconds=60)
    assert ticker.tick() == [], "a file changed within the settle time is not ingested yet"
    then = time.time() - 60
    os.utime(path, (then, then))
    [request] = ticker.tick()
    assert request.tags["cdw/landing_file"] == "zendesk/tickets.parquet"
    os.utime(path, (then + 1, then + 1))  # touched, same content
    assert ticker.tick() == []
    _drop(landing, "zendesk/tickets.parquet", b"tickets, corrected")  # same name, new content
    [again] = ticker.tick()
    assert again.run_key != request.run_key


def test_run_keys_are_stable_so_a_lost_cursor_cannot_start_a_second_run(tmp_path: Path):
    _drop(tmp_path / "landing", "klaviyo/events/1.parquet", b"events")
    first, second = Ticker(tmp_path), Ticker(tmp_path)
    assert [r.run_key for r in first.tick()] == [r.run_key for r in second.tick()]


@pytest.fixture
def failed_run() -> tuple[dg.DagsterInstance, dg.ExecuteInProcessResult]:
    """A run whose blocking check fails (so its downstream step is skipped) and whose other step raises."""

    @dg.asset(check_specs=[dg.AssetCheckSpec("landing_contract", asset="orders", blocking=True)])
    def orders():
        yield dg.Output(None)
        yield dg.AssetCheckResult(passed=False, description="2 of 10 rows unexpected")

    @dg.asset(deps=[orders])
    def downstream() -> None:
        return None

    @dg.asset
    def flaky() -> None:
        raise RuntimeError("vendor API answered 503")

    instance = INSTANCE
    job = dg.define_asset_job("test_job", selection=dg.AssetSelection.all())
    result = dg.Definitions(assets=[orders, downstream, flaky], jobs=[job]).resolve_job_def("test_job") \
        .execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    return instance, result


def _evaluate_failure_sensor(home: Path, instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult) -> None:
    sensor = build_run_failure_sensor(load_config())
    context = dg.build_run_status_sensor_context(
        sensor_name=sensor.name, dagster_instance=instance, dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(), resources={"warehouse": WarehouseResource(home=str(home))},
    ).for_run_failure()
    sensor(context)


def test_failure_sensor_records_an_alert_naming_failed_steps_and_checks(tmp_path: Path, failed_run, monkeypatch):
    monkeypatch.delenv(load_config().alerts.webhook_url_env, raising=False)
    instance, result = failed_run
    _evaluate_failure_sensor(tmp_path, instance, result)
    [alert] = read_alerts(tmp_path / load_config().alerts.directory)
    assert alert["run_id"] == result.run_id and alert["job_name"] == "test_job"
    assert {s["step"] for s in alert["failed_steps"]} >= {"flaky"}
    assert any("503" in s["error"] for s in alert["failed_steps"])
    assert alert["failed_checks"] == [{"asset": "orders", "check": "landing_contract", "severity": "ERROR",
                                       "description": "2 of 10 rows unexpected"}]
    assert alert["webhook"] == "not configured"


def test_failure_sensor_posts_the_alert_to_the_configured_webhook(tmp_path: Path, failed_run, monkeypatch,
                                                                  httpserver: HTTPServer):
    httpserver.expect_request("/hooks/alerts", method="POST").respond_with_data("ok")
    monkeypatch.setenv(load_config().alerts.webhook_url_env, httpserver.url_for("/hooks/alerts"))
    instance, result = failed_run
    _evaluate_failure_sensor(tmp_path, instance, result)
    [(request, _)] = httpserver.log
    body = json.loads(request.data)
    assert body["run_id"] == result.run_id
    assert "test_job" in body["text"] and "landing_contract" in body["text"]
    [alert] = read_alerts(tmp_path / load_config().alerts.directory)
    assert alert["webhook"] == "HTTP 200"


def test_an_unreachable_webhook_still_leaves_the_alert_on_disk(tmp_path: Path, failed_run, monkeypatch):
    monkeypatch.setenv(load_config().alerts.webhook_url_env, "http://127.0.0.1:9/unreachable")
    instance, result = failed_run
    _evaluate_failure_sensor(tmp_path, instance, result)
    [alert] = read_alerts(tmp_path / load_config().alerts.directory)
    assert alert["webhook"].startswith("failed:")


@pytest.mark.e2e
def test_a_requested_landing_run_ingests_the_new_file(tmp_path: Path):
    """The run the sensor requests lands the dropped file; asking again lands nothing new."""
    generate(tmp_path / "vendor", tmp_path / "truth", customers=60, seed=3)
    landing = tmp_path / "landing" / "shopify"
    landing.mkdir(parents=True)
    shutil.copy(tmp_path / "vendor" / "shopify" / "orders.parquet", landing / "orders.parquet")
    then = time.time() - 60
    os.utime(landing / "orders.parquet", (then, then))
    [request] = Ticker(tmp_path).tick()
    job = defs.resolve_job_def("landing_ingest")
    run_config = {"resources": {"warehouse": {"config": {**request.run_config["resources"]["warehouse"]["config"],
                                                         "home": str(tmp_path)}}}}
    result = job.execute_in_process(run_config=run_config, asset_selection=request.asset_selection,
                                    instance=INSTANCE, tags=request.tags)
    orders = next(e.materialization for e in result.get_asset_materialization_events()
                  if e.asset_key == dg.AssetKey(["raw_shopify", "orders"]))
    assert orders.metadata["rows_landed"].value > 0
    assert orders.metadata["source"].value == "drops"
    assert all(e.passed for e in result.get_asset_check_evaluations())
    again = job.execute_in_process(run_config=run_config, asset_selection=request.asset_selection, instance=INSTANCE)
    orders = next(e.materialization for e in again.get_asset_materialization_events()
                  if e.asset_key == dg.AssetKey(["raw_shopify", "orders"]))
    assert orders.metadata["rows_landed"].value == 0, "each file lands once"
