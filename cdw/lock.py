"""One writer at a time: the run lock under ``CDW_HOME``.

DuckDB allows one writing process per file; two runs at once used to end with a hundred lines of
``Could not set lock on file`` from inside dbt. Every command that writes the build warehouse
holds this lock. It is an ``flock`` on ``<home>/run.lock``, so the kernel releases it when the
holder dies (a killed run never blocks the next one), and the file names the holder (PID, run,
command) so a refused run can say who is writing. Within one process the lock is re-entrant.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from core.settings import Paths

_held: dict[Path, int] = {}  # lock file -> depth held by this process


class RunLocked(RuntimeError):
    """Another process is writing the warehouse; the message names it and says what to do."""

    def __init__(self, holder: dict) -> None:
        self.holder = holder
        who = f"PID {holder.get('pid', '?')}"
        what = f" ({holder['command']}, run {holder.get('run_id') or '-'}, since {holder.get('since', '?')})" \
            if holder.get("command") else ""
        super().__init__(f"another run ({who}{what}) is writing the warehouse; try again when it ends "
                         "(or pass --wait to wait for it)")


def lock_path(paths: Paths) -> Path:
    return paths.home / "run.lock"


def holder(paths: Paths) -> dict | None:
    """Who holds the lock now (``None`` when nobody does)."""
    path = lock_path(paths)
    if not path.exists():
        return None
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read(path)
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return {}


@contextmanager
def run_lock(paths: Paths, command: str, run_id: str | None = None, wait: float = 0.0) -> Iterator[None]:
    """Hold the writer lock for the block; :class:`RunLocked` if another process holds it.

    ``wait``: seconds to wait for the lock (0: do not wait).
    """
    path = lock_path(paths)
    if _held.get(path):
        _held[path] += 1
        try:
            yield
        finally:
            _held[path] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RunLocked(_read(path)) from None
                time.sleep(0.5)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "run_id": run_id, "command": command,
                                 "since": datetime.now(UTC).isoformat(timespec="seconds")}))
        handle.flush()
        _held[path] = 1
        try:
            yield
        finally:
            _held.pop(path, None)
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()
