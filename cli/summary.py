"""Readable summaries for the end of a run and for `cdw status`."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from typing import Any

import duckdb
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cdw.coverage import Coverage, read_coverage, why_empty
from cdw.inventory import Inventory, human_size, inventory
from cdw.records import RunRecord, recent_runs
from core.as_of import parse_as_of
from core.config import warehouse_settings
from core.settings import Paths

REBUILD = {
    "build": "run `cdw run` (or `cdw ingest` then `cdw build`) to land and build it again; if a run is "
             "writing it now, wait for it (`cdw status` shows it)",
    "serving": "run `cdw publish` to publish it again from the build warehouse (or `cdw run`)",
}
STATE_STYLE = {"success": "green", "partial": "yellow", "blocked": "red", "failed": "red", "killed": "red",
               "running": "cyan"}


def suite_table(report) -> Table:
    """Rules per suite: passed, failed by severity, waiting for a relation that is not built yet."""
    table = Table(title="Great Expectations suites", show_edge=False)
    for column in ("suite", "rules", "passed", "failed (error)", "failed (warn)", "not built yet"):
        table.add_column(column, justify="left" if column == "suite" else "right")
    rows: dict[str, list[int]] = {}
    for outcome in report.outcomes:
        suite = outcome.rule.suite.split(".")[0]
        row = rows.setdefault(suite, [0, 0, 0, 0, 0])
        row[0] += 1
        row[1] += outcome.success
        row[2] += not outcome.success and outcome.rule.severity == "error"
        row[3] += not outcome.success and outcome.rule.severity == "warn" and not outcome.not_built
        row[4] += outcome.not_built
    for suite, (total, passed, errors, warns, waiting) in rows.items():
        table.add_row(suite, str(total), str(passed), f"[red]{errors}[/]" if errors else "0",
                      f"[yellow]{warns}[/]" if warns else "0", str(waiting))
    return table


def _step_result(name: str, info: dict[str, Any]) -> str:
    if name == "generate":
        return f"{info['rows']:,} rows"
    if name == "ingest":
        rejected = len(info.get("rejected_files") or [])
        return (f"{info['rows_landed']:,} landed, {info['rows_quarantined']:,} quarantined"
                + (f", [red]{rejected} file(s) rejected[/]" if rejected else ""))
    if name in ("build", "build_after_clv"):
        if info.get("skipped"):
            return f"[yellow]skipped: {info['skipped']}[/]"
        return ", ".join(f"{n} {s}" for s, n in sorted(info["counts"].items())) or "nothing to build"
    if name == "clv":
        return info.get("message", info.get("status", ""))
    if name == "suggest":
        if info.get("not_scored"):
            return f"no suggestions: {info['not_scored']}"
        model = f" ({info['model']})" if info.get("model") else ""
        return f"{info['pairs_suggested']:,} identity pair(s) to review{model}"
    if name == "check":
        return f"{info['passed']}/{info['total']} rules passed" + (
            f", [yellow]{len(info['warnings'])} warning(s)[/]" if info.get("warnings") else "")
    if name == "publish":
        return f"{info['tables']} tables published"
    return ""


def _steps_table(record: RunRecord) -> Table:
    steps = Table(title="steps")
    for column in ("step", "seconds", "result"):
        steps.add_column(column)
    for name, info in record.steps.items():
        steps.add_row(name, f"{info['seconds']:.1f}", _step_result(name, info))
    total = sum(info["seconds"] for info in record.steps.values())
    style = STATE_STYLE.get(record.state, "")
    steps.add_row("[bold]total", f"[bold]{total:.1f}", f"[{style}]{record.state}[/]")
    return steps


def _data_table(cover: Coverage) -> Table:
    table = Table(title="data by system (raw tables)")
    for column in ("system", "state", "entities with data (rows)", "entities without data", "quarantined"):
        table.add_column(column, justify="right" if column == "quarantined" else "left")
    for system, entry in cover.systems.items():
        state = "on" if entry.switched_on else "[dim]off[/]"
        with_data = ", ".join(f"{name} {rows:,}" for name, rows in entry.with_data.items()) or "[yellow]none[/]"
        table.add_row(system, state, with_data, ", ".join(entry.empty) or "-", f"{entry.quarantined:,}")
    return table


def _marts_table(counts: dict[str, int], cover: Coverage) -> Table:
    table = Table(title="rows per table (marts)")
    table.add_column("mart")
    table.add_column("rows", justify="right")
    table.add_column("note")
    for name, rows in counts.items():
        if not name.startswith("marts."):
            continue
        note = f"[yellow]empty: {why_empty(cover.empty_marts[name], cover)}[/]" if name in cover.empty_marts else ""
        table.add_row(name.removeprefix("marts."), f"{rows:,}", note)
    return table


def _layers(found: Inventory) -> Table:
    grouped: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for name, rows in found.tables.items():
        schema = name.split(".")[0]
        grouped[schema][0] += 1
        grouped[schema][1] += rows
    for schema in found.views:
        grouped[schema]  # a schema of views only still gets its row
    table = Table(title="warehouse layers")
    table.add_column("schema")
    table.add_column("tables", justify="right")
    table.add_column("rows (tables)", justify="right")
    table.add_column("views", justify="right")
    for schema, (n, rows) in sorted(grouped.items()):
        table.add_row(schema, str(n), f"{rows:,}", str(found.views.get(schema, 0)))
    return table


def freshness_lines(record: RunRecord, cover: Coverage) -> list[str]:
    """The as-of and the newest data, with a warning when they lie too far apart."""
    if not record.as_of:
        return []
    as_of = parse_as_of(record.as_of)
    lines = [f"[bold]as of[/]             {as_of.isoformat(sep=' ', timespec='seconds')} UTC"]
    newest = cover.newest_data
    if newest is None:
        lines.append("[bold]newest data[/]       none yet (no events or orders up to the as-of)")
        return lines
    newest_naive = newest.replace(tzinfo=None) if isinstance(newest, datetime) else newest
    lines.append(f"[bold]newest data[/]       {newest_naive:%Y-%m-%d %H:%M:%S} UTC")
    days = warehouse_settings().degradation.stale_data_days
    gap = as_of - newest_naive
    if gap.days > days:
        lines.append(f"[yellow]warning:[/] the newest data is {gap.days} days older than the as-of (more than "
                     f"{days}): a back-test that forgot --as-of, or a stale source? Recency, lifecycle and CLV "
                     "are computed as of the as-of.")
    return lines


def print_run_summary(console: Console, paths: Paths, record: RunRecord, values: dict[str, Any] | None = None
                      ) -> None:
    found = inventory(paths.build_db)
    cover = read_coverage(paths, record.systems)
    console.print(_data_table(cover))
    console.print(_marts_table(found.tables, cover))
    console.print(_layers(found))
    console.print(_steps_table(record))
    for line in freshness_lines(record, cover):
        console.print(line)
    ingest = record.steps.get("ingest", {})
    for rejected in ingest.get("rejected_files") or []:
        where = f" — moved to landing/{rejected['moved_to']} with the reason" if rejected.get("moved_to") else ""
        console.print(f"[red]rejected file:[/] {rejected['file']}: {rejected['problem']}{where}")
    for note in ingest.get("notes") or []:
        console.print(f"[dim]input: {note}[/]")
    for warning in record.warnings[:15]:
        console.print(f"[yellow]warn:[/] {warning}")
    if record.systems_off:
        console.print(f"[dim]systems switched off (config/warehouse.yml): {', '.join(record.systems_off)}[/]")
    console.print(
        f"\n[bold]build warehouse[/]   {paths.build_db} ({human_size(paths.build_db)})"
        f"\n[bold]serving warehouse[/] {paths.serving_db} ({human_size(paths.serving_db)}) — read this one"
        "\n\nNext:"
        "\n  make ui                              # Dagster UI: lineage, owners, checks, schedules"
        "\n  .venv/bin/cdw query \"show all tables\"   # SQL on the serving warehouse (read-only)"
        f"\n  or open {paths.serving_db} read-only in any DuckDB client (DBeaver, duckdb CLI, BI tools)"
        "\n  make dashboard                       # the sellers' dashboard; `cdw metrics list`, `make docs`"
        f"\n  GX Data Docs (offline): {paths.home / 'data_docs' / 'index.html'}"
    )


def _publication(paths: Paths) -> dict[str, Any] | None:
    path = paths.warehouse_dir / "publication.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def print_status(console: Console, paths: Paths) -> None:
    runs = recent_runs(paths, 8)
    if not runs and not (paths.build_db.exists() or paths.serving_db.exists()):
        console.print("No run yet. Start with `make demo` (or `cdw run`).")
        return
    if runs:
        _print_runs(console, paths, runs)
    else:
        console.print("no run recorded in this home")
    _print_warehouses(console, paths, runs[0].systems if runs else None)


def _print_runs(console: Console, paths: Paths, runs: list[RunRecord]) -> None:
    last = runs[0]
    style = STATE_STYLE.get(last.state, "")
    console.print(f"last run [bold]{last.run_id}[/] ({last.command}): [{style}]{last.state}[/]"
                  + (f" — {escape(last.error)}" if last.error else ""))
    if last.state == "killed":
        console.print(f"   [red]its process (PID {last.pid}) ended without finishing[/]: "
                      "the warehouse keeps what was committed; run again")
    if last.state == "running":
        console.print(f"   [cyan]running now (PID {last.pid}); the next writer waits for it[/]")
    history = Table(title="recent runs (newest first)")
    for column in ("run", "command", "state", "source", "as of", "checks", "rejected files"):
        history.add_column(column)
    for run in runs:
        check = run.steps.get("check", {})
        checks = (f"{check['passed']}/{check['total']} passed, {len(check.get('blocking_failures', []))} "
                  f"blocking, {len(check.get('warnings', []))} warn" if check else "-")
        rejected = len(run.steps.get("ingest", {}).get("rejected_files") or [])
        history.add_row(run.run_id, run.command, f"[{STATE_STYLE.get(run.state, '')}]{run.state}[/]",
                        run.source or "-", (run.as_of or "-")[:19], checks, str(rejected) if rejected else "-")
    console.print(history)
    for warning in last.warnings[:10]:
        console.print(f"[yellow]warn:[/] {escape(warning)}")


def _print_warehouses(console: Console, paths: Paths, systems: list[str] | None) -> None:
    from ingestion.file_drops.rejected import rejected_files  # the drop reader: import when status asks

    waiting = rejected_files(paths.landing)
    for name, problem in waiting.items():
        console.print(f"[red]rejected, waiting in landing/{name}:[/] {problem} (fix or re-export it, drop it again)")
    published = _publication(paths)
    console.print(f"last publish: {published['published_at']} (run {published['run_id']})" if published
                  else "last publish: never")
    cover = read_coverage(paths, systems or None)
    if cover.readable:
        console.print(_data_table(cover))
    for name, path in (("build", paths.build_db), ("serving", paths.serving_db)):
        if not path.exists():
            console.print(f"{name} warehouse: {path} [yellow]missing[/] — {REBUILD[name]}")
            continue
        try:
            found = inventory(path)
        except duckdb.Error as exc:  # a damaged, foreign or busy file must not hide the rest of the status
            console.print(f"{name} warehouse: {path} ({human_size(path)}) [red]unreadable[/]: "
                          f"{escape(str(exc).splitlines()[0])}\n  [yellow]next:[/] {REBUILD[name]}")
            continue
        console.print(f"{name} warehouse: {path} ({human_size(path)})")
        if found.tables or found.views:
            console.print(_layers(found))
