"""`cdw sync ...`: run, plan and review reverse-ETL syncs from the command line.

Mounted by the main CLI as ``app.add_typer(sync_app, name="sync")``:

    cdw sync run [--sync NAME] [--dry-run]   send (or only plan) every sync, or one
    cdw sync plan [--sync NAME]              what a run would add, update and remove (calls nothing)
    cdw sync history [--sync NAME]           past runs: planned, sent, accepted, rejected, duration
    cdw sync erase CUSTOMER_ID               queue a privacy erasure at every destination reached

The build warehouse is ``core.settings.get_paths().build_db``; the configuration files default to
``activation/syncs.yml`` and ``activation/destinations.yml`` (or ``$CDW_ACTIVATION_SYNCS`` /
``$CDW_ACTIVATION_DESTINATIONS``, or ``--syncs`` / ``--destinations``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from activation.config import ConfigError, load_config
from activation.erasure import queue_erasure
from activation.runner import SyncRunResult
from activation.state import ensure_schema, history
from cdw.context import make_context
from cdw.lock import RunLocked, run_lock
from cdw.records import latest_run
from core.settings import get_paths

sync_app = typer.Typer(add_completion=False, no_args_is_help=True,
                       help="Reverse ETL: send audiences to marketing tools, exactly and only with consent.")
console = Console()

SyncName = Annotated[str | None, typer.Option("--sync", "-s", help="Only this sync (default: all).")]
SyncsFile = Annotated[Path | None, typer.Option("--syncs", help="syncs.yml to use.")]
DestinationsFile = Annotated[Path | None, typer.Option("--destinations", help="destinations.yml to use.")]
STATUS_STYLE = {"success": "green", "noop": "dim", "dry_run": "cyan", "partial": "yellow",
                "refused": "red", "failed": "red", "crashed": "red", "running": "yellow"}


def _last_source() -> str:
    last = latest_run(get_paths())
    return last.source if last is not None and last.source else "drops"


def _connect() -> duckdb.DuckDBPyConnection:
    paths = get_paths()
    paths.warehouse_dir.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(paths.build_db))


def _results_table(results: list[SyncRunResult], dry_run: bool) -> Table:
    table = Table(title="sync plan (dry run: nothing was sent)" if dry_run else "sync runs")
    for column in ("sync", "destination", "status", "adds", "updates", "removes", "deletions",
                   "requests" if not dry_run else "est. requests", "accepted", "rejected", "retried", "seconds"):
        table.add_column(column, justify="left" if column in ("sync", "destination", "status") else "right")
    for r in results:
        style = STATUS_STYLE.get(r.status, "")
        table.add_row(r.sync_name, r.destination, f"[{style}]{r.status}[/]", str(r.planned["adds"]),
                      str(r.planned["updates"]), str(r.planned["removes"]), str(r.planned["deletions"]),
                      str(r.requests_estimate if dry_run else r.requests), str(r.accepted), str(r.rejected),
                      str(r.retried), f"{r.duration_s:.2f}")
    return table


def _print_details(results: list[SyncRunResult], samples: bool) -> None:
    for r in results:
        if r.error:
            console.print(f"[red]{r.sync_name}:[/] {r.error}")
        elif r.governance and r.dry_run:
            console.print(f"[dim]{r.sync_name}: governance: {r.governance}[/]")
        if samples and r.samples:
            console.print(f"[bold]{r.sync_name}[/] samples:")
            console.print_json(json.dumps(r.samples, default=str))


def _run(sync: str | None, dry_run: bool, syncs: Path | None, destinations: Path | None, samples: bool) -> None:
    try:
        config = load_config(syncs, destinations)
        if sync:
            config.sync(sync)
    except ConfigError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(code=2) from None
    ctx = make_context(source=_last_source())
    try:
        with run_lock(ctx.paths, "cdw sync run", ctx.run_id):
            from cdw import steps

            results = steps.sync(ctx, [sync] if sync else None, dry_run=dry_run, config=config)
    except RunLocked as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(code=1) from None
    console.print(_results_table(results, dry_run))
    _print_details(results, samples)
    if not all(r.ok for r in results):
        raise typer.Exit(code=1)


@sync_app.command("run")
def run_command(sync: SyncName = None,
                dry_run: Annotated[bool, typer.Option("--dry-run", help="Plan and store the plan; send nothing.")]
                = False,
                syncs: SyncsFile = None, destinations: DestinationsFile = None,
                verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log retries and waits.")] = False
                ) -> None:
    """Run every sync (or one): erasures, governance check, diff, then send adds/updates/removes."""
    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    _run(sync, dry_run, syncs, destinations, samples=dry_run)


@sync_app.command("plan")
def plan_command(sync: SyncName = None, syncs: SyncsFile = None, destinations: DestinationsFile = None) -> None:
    """Show (and store) what a run would add, update and remove, with samples. Sends nothing."""
    _run(sync, True, syncs, destinations, samples=True)


@sync_app.command("history")
def history_command(sync: SyncName = None,
                    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Runs to show.")] = 20) -> None:
    """Past runs, newest first: what was planned, sent, accepted, rejected, retried, and how long it took."""
    path = get_paths().build_db
    if not path.exists():
        console.print(f"[yellow]no warehouse at {path} yet[/]")
        return
    con = duckdb.connect(str(path), read_only=True)
    try:
        exists = con.execute("select count(*) from information_schema.tables where table_schema = 'activation' "
                             "and table_name = 'sync_runs'").fetchone()[0]
        rows = history(con, sync, limit) if exists else []
    finally:
        con.close()
    if not rows:
        console.print("[yellow]no sync runs recorded yet[/]; try `cdw sync run --dry-run`")
        return
    table = Table(title="sync history (newest first)")
    for column in ("started", "sync", "destination", "status", "planned +/~/-/x", "sent", "accepted", "rejected",
                   "retried", "requests", "seconds", "error"):
        table.add_column(column)
    for r in rows:
        style = STATUS_STYLE.get(r["status"], "")
        planned = (f"{r['planned_adds']}/{r['planned_updates']}/{r['planned_removes']}/"
                   f"{r['planned_deletions']}")
        table.add_row(f"{r['started_at']:%Y-%m-%d %H:%M:%S}", r["sync_name"], r["destination"] or "",
                      f"[{style}]{r['status']}[/]", planned, str(r["sent"]),
                      str(r["accepted"]), str(r["rejected"]), str(r["retried"]), str(r["requests"]),
                      f"{(r['duration_s'] or 0):.2f}", (r["error"] or "")[:80])
    console.print(table)


@sync_app.command("erase")
def erase_command(customer_id: Annotated[str, typer.Argument(help="The customer_id to erase everywhere.")]) -> None:
    """Queue deletions of a person at every destination they reached; the next run sends them."""
    con = _connect()
    try:
        ensure_schema(con)
        queued = queue_erasure(con, customer_id)
    finally:
        con.close()
    console.print(f"[green]✓[/] queued {queued} deletion(s) for customer {customer_id}; "
                  "they are sent by the next `cdw sync run`")
