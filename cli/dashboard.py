"""`cdw dashboard`: the sellers' dashboard (Streamlit) on this home's serving copy, read-only."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from core.settings import REPO_ROOT, get_paths

console = Console()
APP = REPO_ROOT / "dashboard" / "app.py"


def streamlit_command(port: int, host: str) -> list[str]:
    """The streamlit invocation (no browser opened, no usage statistics sent, no file watcher)."""
    streamlit = Path(sys.executable).with_name("streamlit")
    return [str(streamlit), "run", str(APP), "--server.headless", "true", "--server.port", str(port),
            "--server.address", host, "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
            "--theme.base", "light", "--theme.primaryColor", "#2F6F73", "--client.toolbarMode", "viewer"]


def dashboard(
    port: Annotated[int, typer.Option(help="Port for the dashboard.")] = 8501,
    host: Annotated[str, typer.Option(help="Interface to listen on (0.0.0.0: the network).")] = "127.0.0.1",
    restricted: Annotated[bool, typer.Option(
        "--restricted", help="Offer personal data (the restricted schema) behind a switch in the sidebar.")] = False,
) -> None:
    """Open the dashboard: KPIs, cohorts, LTV, RFM, lifecycle, CLV, audiences, identity and data health.

    Reads only the published serving copy, read-only (the `analytics` schema; `restricted` only with
    --restricted and the switch). Every number is a metric of `cdw metrics list` or a mart's.
    """
    paths = get_paths()
    if not paths.serving_db.exists():
        console.print(f"[bold red]error:[/] no serving warehouse at {paths.serving_db}\n"
                      "[yellow]next:[/] run `make demo` (or `cdw run`) first")
        raise typer.Exit(code=1)
    env = {**os.environ, "CDW_HOME": str(paths.home), "CDW_DASHBOARD_RESTRICTED": "1" if restricted else "0"}
    console.print(f"[bold]dashboard[/] on http://{host}:{port}  (Ctrl-C to stop)\n  serving copy  {paths.serving_db}")
    command = streamlit_command(port, host)
    os.execve(command[0], command, env)
