"""Fixtures every connector test module shares: dlt kept quiet, a local HTTP server, logged waits."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator

import pytest
from pytest_httpserver import HTTPServer

from ingestion.load import DLT_DEFAULTS


@pytest.fixture(autouse=True)
def quiet_dlt(monkeypatch: pytest.MonkeyPatch) -> None:
    """No telemetry, no leftover load files (the settings ``load_landing`` uses)."""
    for key, value in DLT_DEFAULTS.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    """A local HTTP server (real HTTP on 127.0.0.1) for the module's fake vendor."""
    http = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    http.start()
    yield http
    http.clear()
    if http.is_running():
        http.stop()


@pytest.fixture
def waits(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> Callable[[], list[float]]:
    """The waits between attempts the client of the module's ``SYSTEM`` logged (in real seconds;
    tests sleep a thousandth)."""
    system = request.module.SYSTEM
    caplog.set_level(logging.INFO, logger=f"ingestion.sources.{system}")
    waited = re.compile(rf"{system} GET \S+: HTTP \d+ \([\w-]+\); waiting ([\d.]+) s")

    def logged() -> list[float]:
        return [float(m) for m in waited.findall(caplog.text)]

    return logged
