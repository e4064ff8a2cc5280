"""`cdw sync ...` commands (the Typer app the main CLI mounts), on a temporary CDW_HOME."""

from __future__ import annotations

from pathlib import Path

import duckdb
from rich.console import Console
from typer.testing import CliRunner

import cli.sync as sync_cli
from cli.sync import sync_app
from tests.activation.conftest import AUDIENCE, people, write_audience
from tests.activation.fakes import FakeWebhook

runner = CliRunner()


def _setup(tmp_path: Path, monkeypatch, url: str) -> FakeWebhook:
    home = tmp_path / "home"
    (home / "warehouse").mkdir(parents=True)
    con = duckdb.connect(str(home / "warehouse" / "build.duckdb"))
    write_audience(con, people())
    con.close()
    (tmp_path / "destinations.yml").write_text(f"""
destinations:
  hook:
    type: webhook
    url: {url}/hooks/cdw
    secret: ${{HOOK_SECRET}}
    delivery: {{max_attempts: 2, base_delay: 0.01, batch_size: 5}}
  drop:
    type: files
    path: {tmp_path / "drop"}
""")
    (tmp_path / "syncs.yml").write_text(f"""
syncs:
  - name: to_hook
    audience: {AUDIENCE}
    destination: hook
    mode: mirror
    consent: email
    require_governance_check: false
    fields: {{first_name: first_name}}
  - name: to_drop
    audience: {AUDIENCE}
    destination: drop
    mode: upsert
    consent: sms
    require_governance_check: false
""")
    monkeypatch.setenv("CDW_HOME", str(home))
    monkeypatch.setenv("CDW_ACTIVATION_SYNCS", str(tmp_path / "syncs.yml"))
    monkeypatch.setenv("CDW_ACTIVATION_DESTINATIONS", str(tmp_path / "destinations.yml"))
    monkeypatch.setenv("HOOK_SECRET", "cli-secret-value")
    monkeypatch.setattr(sync_cli, "console", Console(width=220, force_terminal=False))
    return FakeWebhook(secret="cli-secret-value")


def test_plan_run_history_and_erase(tmp_path, monkeypatch, serve):
    fake = FakeWebhook(secret="cli-secret-value")
    url = serve(fake)
    _setup(tmp_path, monkeypatch, url)

    plan = runner.invoke(sync_app, ["plan"])
    assert plan.exit_code == 0, plan.output
    assert "dry run" in plan.output and "to_hook" in plan.output and fake.log == []

    run = runner.invoke(sync_app, ["run"])
    assert run.exit_code == 0, run.output
    assert len(fake.members()) == 11 and (tmp_path / "drop" / "to_drop").is_dir()

    one = runner.invoke(sync_app, ["run", "--sync", "to_hook"])
    assert one.exit_code == 0 and "noop" in one.output

    erase = runner.invoke(sync_app, ["erase", "cust-0001"])
    assert erase.exit_code == 0 and "queued 2 deletion(s)" in erase.output
    runner.invoke(sync_app, ["run"])
    assert fake.erased == ["cust-0001"]

    history = runner.invoke(sync_app, ["history", "--sync", "to_hook"])
    assert history.exit_code == 0 and history.output.count("to_hook") == 4, history.output
    assert "cli-secret-value" not in plan.output + run.output + history.output


def test_unknown_sync_is_a_usage_error(tmp_path, monkeypatch, serve):
    _setup(tmp_path, monkeypatch, serve(FakeWebhook()))
    result = runner.invoke(sync_app, ["run", "--sync", "nope"])
    assert result.exit_code == 2 and "no sync named" in result.output
