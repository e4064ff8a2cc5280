"""Start `cdw ui` (dagster dev) on a home and query its GraphQL API, for tests.

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
from contextlib import contextmanager
from pathlib import Path

CDW = str(Path(sys.executable).with_name("cdw"))
STARTUP_SECONDS = 240


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def default_signals() -> None:
    """In the child: default SIGINT/SIGTERM handling, whatever the parent ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.load(response)
    assert "errors" not in body, body["errors"]
    return body["data"]


def stop(process: subprocess.Popen) -> None:
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


@contextmanager
def running_ui(home: Path) -> Iterator[int]:
    """`cdw ui` on ``home``, serving on a free port until the block ends; yields the port."""
    port = free_port()
    env = {**os.environ, "CDW_HOME": str(home)}
    env.pop("DAGSTER_HOME", None)
    env.pop("CDW_AUTOMATION", None)
    log_path = home / "ui.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([CDW, "ui", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True, preexec_fn=default_signals)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, log_path.read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert time.monotonic() < deadline, "the UI did not start: " + log_path.read_text()[-3000:]
                time.sleep(1)
        yield port
    finally:
        stop(process)
    assert process.poll() is not None


def asset_nodes(port: int, expected: int, query: str) -> list[dict]:
    """Asset nodes once the code location has loaded (the server answers before it has)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        nodes = graphql(port, query)["assetNodes"]
        if len(nodes) >= expected or time.monotonic() > deadline:
            return nodes
        time.sleep(2)
