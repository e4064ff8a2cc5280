"""Alerts for failed runs: one JSON line per alert under ``<CDW_HOME>/alerts/``, and a webhook POST.

The webhook URL comes from the environment variable named in ``config/orchestration.yml``
(``alerts.webhook_url_env``), never from a file in the repository. The payload has a
Slack-compatible ``text`` plus the structured fields, so a chat channel or an incident tool can
both take it. A webhook that fails is recorded in the alert line; it never hides the alert.
"""

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests

ALERTS_FILE = "alerts.jsonl"
WEBHOOK_TIMEOUT = 10


@dataclass
class RunAlert:
    run_id: str
    job_name: str
    error: str
    failed_steps: list[dict[str, str]] = field(default_factory=list)
    failed_checks: list[dict[str, str]] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    raised_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    webhook: str = "not configured"

    @property
    def text(self) -> str:
        lines = [f":rotating_light: Dagster run {self.run_id[:8]} of {self.job_name} failed: {self.error}"]
        lines += [f"• step {s['step']}: {s['error']}" for s in self.failed_steps[:5]]
        lines += [f"• check {c['asset']}:{c['check']} failed ({c['severity']})" for c in self.failed_checks[:5]]
        return "\n".join(lines)


def record_alert(alert: RunAlert, directory: Path, webhook_url: str | None) -> Path:
    """POST the alert when a webhook is configured, then append it (with the POST's outcome) to the file."""
    if webhook_url:
        try:
            response = requests.post(webhook_url, json={"text": alert.text, **asdict(alert)},
                                     timeout=WEBHOOK_TIMEOUT)
            alert.webhook = f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            alert.webhook = f"failed: {type(exc).__name__}"
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / ALERTS_FILE
    with target.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({**asdict(alert), "text": alert.text}, sort_keys=True) + "\n")
    return target


def read_alerts(directory: Path) -> list[dict]:
    target = directory / ALERTS_FILE
    if not target.is_file():
        return []
    return [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines() if line.strip()]
