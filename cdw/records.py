"""Run records: what each run did, written to ``<home>/runs/<run_id>.json`` as it goes.

A record is saved when the run starts (status ``running``, with its PID) and after every step, so
a run killed half-way still leaves a trace: ``cdw status`` shows it as ``killed`` once its process
is gone. Final statuses: ``success``; ``partial`` (published, but some input was rejected);
``blocked`` (a blocking check failed: nothing published); ``failed`` (a step could not run).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from core.settings import Paths

FINAL = ("success", "partial", "blocked", "failed")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class RunRecord:
    run_id: str
    started_at: str
    command: str = "run"
    pid: int = field(default_factory=os.getpid)
    status: str = "running"
    finished_at: str | None = None
    source: str | None = None
    as_of: str | None = None
    systems: list[str] = field(default_factory=list)
    systems_off: list[str] = field(default_factory=list)
    steps: dict[str, dict] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    def save(self, paths: Paths) -> Path:
        paths.runs_dir.mkdir(parents=True, exist_ok=True)
        target = paths.runs_dir / f"{self.run_id}.json"
        staging = target.with_suffix(".json.tmp")
        staging.write_text(json.dumps(asdict(self), indent=2, default=str))
        os.replace(staging, target)
        return target

    def finish(self, paths: Paths, status: str, error: str | None = None) -> None:
        self.status, self.error, self.finished_at = status, error, utc_now()
        self.save(paths)

    @property
    def state(self) -> str:
        """The status, with ``running`` turned into ``killed`` when the run's process is gone."""
        if self.status == "running" and not pid_alive(self.pid):
            return "killed"
        return self.status


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def load_record(path: Path) -> RunRecord | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    known = set(RunRecord.__dataclass_fields__)
    return RunRecord(**{k: v for k, v in data.items() if k in known})


def recent_runs(paths: Paths, limit: int = 10) -> list[RunRecord]:
    """The newest runs first."""
    if not paths.runs_dir.exists():
        return []
    records = [load_record(p) for p in sorted(paths.runs_dir.glob("*.json"), reverse=True)[:limit]]
    return [r for r in records if r is not None]


def latest_run(paths: Paths) -> RunRecord | None:
    runs = recent_runs(paths, 1)
    return runs[0] if runs else None


def prune_runs(paths: Paths, keep: int) -> None:
    """Keep the newest ``keep`` finished run records (running ones are never removed)."""
    if not paths.runs_dir.exists():
        return
    finished = [p for p in sorted(paths.runs_dir.glob("*.json"), reverse=True)
                if (r := load_record(p)) is not None and r.state != "running"]
    for path in finished[keep:]:
        path.unlink(missing_ok=True)
