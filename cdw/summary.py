"""Readable summaries for the end of a run and for `cdw status`."""

from __future__ import annotations

from collections import defaultdict

from rich.console import Console
from rich.table import Table

from cdw.inventory import human_size, table_counts
from cdw.pipeline import RunRecord, latest_run
from core.settings import Paths


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
    record = latest_run(paths)
    if record is None:
        console.print("No run yet. Start with `make demo` (or `cdw run`).")
        return
    console.print(f"last run [bold]{record.run_id}[/]: {record.status}"
                  + (f" — {record.error}" if record.error else ""))
    for name, path in (("build", paths.build_db), ("serving", paths.serving_db)):
        counts = table_counts(path)
        console.print(f"{name} warehouse: {path} ({human_size(path)})")
        if counts:
            console.print(_by_schema(counts))
