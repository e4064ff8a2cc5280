"""Readable summaries for the end of a run and for `cdw status`."""

from __future__ import annotations

from collections import defaultdict

import duckdb
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cdw.inventory import human_size, table_counts
from cdw.pipeline import RunRecord, latest_run
from core.settings import Paths

REBUILD = {
    "build": "run `cdw run` (or `cdw ingest` then `cdw build`) to land and build it again",
    "serving": "run `cdw publish` to publish it again from the build warehouse (or `cdw run`)",
}


def _counts_table(title: str, counts: dict[str, int]) -> Table:
    table = Table(title=title, show_lines=False)
    table.add_column("schema")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in counts.items():
        schema, _, relation = name.partition(".")
        table.add_row(schema, relation, f"{rows:,}")
    return table


def _by_schema(counts: dict[str, int]) -> Table:
    grouped: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for name, rows in counts.items():
        schema = name.split(".")[0]
        grouped[schema][0] += 1
        grouped[schema][1] += rows
    table = Table(title="warehouse layers")
    table.add_column("schema")
    table.add_column("tables", justify="right")
    table.add_column("rows", justify="right")
    for schema, (n, rows) in sorted(grouped.items()):
        table.add_row(schema, str(n), f"{rows:,}")
    return table


def print_run_summary(console: Console, paths: Paths, record: RunRecord) -> None:
    counts = table_counts(paths.build_db)
    console.print(_counts_table("rows per table (build warehouse)", counts))
    steps = Table(title="steps")
    for column in ("step", "seconds", "result"):
        steps.add_column(column)
    for name, info in record.steps.items():
        result = {
            "generate": lambda i: f"{i['rows']:,} rows",
            "ingest": lambda i: f"{i['rows_landed']:,} landed, {i['rows_quarantined']:,} quarantined",
            "build": lambda i: ", ".join(f"{n} {s}" for s, n in sorted(i["counts"].items())),
            "clv": lambda i: i["result"],
            "check": lambda i: f"{i['passed']}/{i['total']} rules passed",
            "publish": lambda i: f"{i['tables']} tables published",
        }[name](info)
        steps.add_row(name, f"{info['seconds']:.1f}", result)
    total = sum(info["seconds"] for info in record.steps.values())
    steps.add_row("[bold]total", f"[bold]{total:.1f}", record.status)
    console.print(steps)
    console.print(
        f"\n[bold]build warehouse[/]   {paths.build_db} ({human_size(paths.build_db)})"
        f"\n[bold]serving warehouse[/] {paths.serving_db} ({human_size(paths.serving_db)}) — read this one"
        f"\n[bold]as of[/]             {record.as_of or 'now'}"
        "\n\nNext:"
        "\n  make ui                              # Dagster UI: lineage, owners, checks, schedules"
        "\n  .venv/bin/cdw query \"show all tables\"   # SQL on the serving warehouse (read-only)"
        f"\n  or open {paths.serving_db} read-only in any DuckDB client (DBeaver, duckdb CLI, BI tools)"
    )


def print_status(console: Console, paths: Paths) -> None:
    try:
        record = latest_run(paths)
    except (ValueError, TypeError, OSError) as exc:  # a record cut short by a crash
        console.print(f"last run record in {paths.runs_dir} is unreadable ({escape(str(exc))})")
        record = None
    else:
        if record is None and not (paths.build_db.exists() or paths.serving_db.exists()):
            console.print("No run yet. Start with `make demo` (or `cdw run`).")
            return
    if record is None:
        console.print("no run recorded")
    else:
        console.print(f"last run [bold]{record.run_id}[/]: {record.status}"
                      + (f" — {escape(record.error)}" if record.error else ""))
    for name, path in (("build", paths.build_db), ("serving", paths.serving_db)):
        if not path.exists():
            console.print(f"{name} warehouse: {path} [yellow]missing[/] — {REBUILD[name]}")
            continue
        try:
            counts = table_counts(path)
        except duckdb.Error as exc:  # a damaged or foreign file must not hide the rest of the status
            console.print(f"{name} warehouse: {path} ({human_size(path)}) [red]unreadable[/]: "
                          f"{escape(str(exc).splitlines()[0])}\n  [yellow]next:[/] {REBUILD[name]}")
            continue
        console.print(f"{name} warehouse: {path} ({human_size(path)})")
        if counts:
            console.print(_by_schema(counts))
