"""The README's UI command serves every asset with its owner, every schedule and sensor (GraphQL).

``cdw ui`` runs ``dagster dev`` (web server, daemon, code server). It is started in its own
session (process group) with default signal handling, and stopped by signalling that group by its
id: ``dagster dev`` started in the background of a non-interactive shell would ignore SIGINT.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestration.definitions import defs

pytestmark = pytest.mark.e2e
CDW = str(Path(sys.executable).with_name("cdw"))
STARTUP_SECONDS = 240

ASSETS_QUERY = """{ assetNodes { assetKey { path } groupName
    owners { __typename ... on TeamAssetOwner { team } ... on UserAssetOwner { email } } } }"""
REPOSITORY_QUERY = """{ repositoriesOrError { __typename ... on RepositoryConnection { nodes { name
    jobs { name } schedules { name cronSchedule executionTimezone } sensors { name } } } } }"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _default_signals() -> None:
    """In the child: default SIGINT/SIGTERM handling, whatever the parent ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.load(response)
    assert "errors" not in body, body["errors"]
    return body["data"]


def _stop(process: subprocess.Popen) -> None:
    """Stop the whole process group by its id: SIGTERM, then SIGKILL if it lingers."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture
def ui(tmp_path: Path) -> Iterator[int]:
    port = _free_port()
    env = {**os.environ, "CDW_HOME": str(tmp_path)}
    env.pop("DAGSTER_HOME", None)
    with (tmp_path / "ui.log").open("wb") as log:
        process = subprocess.Popen([CDW, "ui", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True, preexec_fn=_default_signals)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, (tmp_path / "ui.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert time.monotonic() < deadline, "the UI did not start: " + (tmp_path / "ui.log").read_text()[-3000:]
                time.sleep(1)
        yield port
    finally:
        _stop(process)
    assert process.poll() is not None
    assert (tmp_path / "dagster" / "dagster.yaml").is_file(), "the instance lives under CDW_HOME"


def _asset_nodes(port: int, expected: int) -> list[dict]:
    """Asset nodes once the code location has loaded (the server answers before it has)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        nodes = _graphql(port, ASSETS_QUERY)["assetNodes"]
        if len(nodes) >= expected or time.monotonic() > deadline:
            return nodes
        time.sleep(2)


def test_ui_serves_every_asset_with_its_owner_and_every_schedule_and_sensor(ui: int):
    specs = {tuple(spec.key.path): spec for spec in defs.resolve_all_asset_specs()}
    nodes = {tuple(node["assetKey"]["path"]): node for node in _asset_nodes(ui, len(specs))}
    missing = sorted("/".join(k) for k in set(specs) - set(nodes))
    assert not missing, f"assets missing from the UI: {missing}"
    for key, spec in specs.items():
        owners = [o.get("team") and f"team:{o['team']}" or o.get("email") for o in nodes[key]["owners"]]
        assert owners == list(spec.owners) and owners, f"{'/'.join(key)}: UI owners {owners}, defined {spec.owners}"
        assert nodes[key]["groupName"] == spec.group_name
    [repository] = _graphql(ui, REPOSITORY_QUERY)["repositoriesOrError"]["nodes"]
    assert {"main_job", "activation_lane", "clv_weekly_refit", "landing_ingest"} <= {j["name"] for j in
                                                                                      repository["jobs"]}
    schedules = {s["name"]: s for s in repository["schedules"]}
    assert set(schedules) == {"nightly_warehouse", "activation_lane", "clv_weekly_refit"}
    assert all(s["executionTimezone"] for s in schedules.values())
    assert {"landing_files", "run_failure_alerts", "freshness_checks_sensor"} <= {s["name"] for s in
                                                                                  repository["sensors"]}
