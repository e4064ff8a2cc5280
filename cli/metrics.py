"""`cdw metrics ...`: ask the semantic layer (MetricFlow) a metric question from the terminal.

Mounted by the main CLI as ``app.add_typer(metrics_app, name="metrics")``:

    cdw metrics list                                   every metric, its type and definition
    cdw metrics dimensions --metrics net_revenue       what a metric can be grouped by
    cdw metrics query --metrics net_revenue,orders --group-by metric_time__month [--order -metric_time__month]
        [--where "{{ Dimension('order__channel') }} = 'Amazon'"] [--limit 12] [--csv] [--explain]

Answers come from the published serving copy (read-only): see :mod:`cdw.metrics`.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cdw.metrics import Metrics, MetricsError, ensure_semantic_manifest, list_metrics
from core.dbt import DbtError
from core.settings import get_paths

metrics_app = typer.Typer(add_completion=False, no_args_is_help=True,
                          help="Metrics defined once (dbt semantic layer, MetricFlow), read from the serving copy.")
console = Console()

MetricNames = Annotated[str, typer.Option("--metrics", help="Comma-separated metric names (`cdw metrics list`).")]


def _names(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _fail(message: str, hint: str) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}\n[yellow]next:[/] {hint}")
    return typer.Exit(code=1)


def _engine() -> Metrics:
    try:
        return Metrics(get_paths())
    except (MetricsError, DbtError) as exc:
        raise _fail(str(exc), "run `make demo` (or `cdw run`) so a published serving copy exists") from None


@metrics_app.command("list")
def list_command(
    refresh: Annotated[bool, typer.Option("--refresh", help="Parse the dbt project again first.")] = False,
) -> None:
    """Every metric with its type and definition."""
    paths = get_paths()
    try:
        if refresh:
            ensure_semantic_manifest(paths, refresh=True)
        metrics = list_metrics(paths)
    except (MetricsError, DbtError) as exc:
        raise _fail(str(exc), "fix the semantic model named above") from None
    table = Table(title=f"{len(metrics)} metrics (models/marts/semantic)")
    for column in ("metric", "type", "label", "definition"):
        table.add_column(column, overflow="fold")
    for metric in metrics:
        table.add_row(metric.name, metric.type, metric.label, metric.description)
    console.print(table)


@metrics_app.command("dimensions")
def dimensions_command(metrics: MetricNames) -> None:
    """What the metrics can be grouped by (add __day, __week, __month, __quarter or __year to time ones)."""
    engine = _engine()
    try:
        for name in engine.dimensions(_names(metrics)):
            console.print(name)
    except MetricsError as exc:
        raise _fail(str(exc), "`cdw metrics list` names the metrics") from None
    finally:
        engine.close()


@metrics_app.command("query")
def query_command(
    metrics: MetricNames,
    group_by: Annotated[str | None, typer.Option(
        "--group-by", help="Comma-separated, e.g. metric_time__month,order__channel.")] = None,
    where: Annotated[list[str] | None, typer.Option(
        "--where", help="A filter in MetricFlow's syntax, e.g. \"{{ Dimension('order__channel') }} = 'Amazon'\" "
                        "or \"{{ TimeDimension('metric_time', 'day') }} >= '2026-01-01'\" (repeatable).")] = None,
    order: Annotated[str | None, typer.Option(
        "--order", help="Comma-separated; a leading - sorts descending, e.g. -metric_time__month.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most this many rows.")] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Print the SQL MetricFlow writes, not the result.")
                       ] = False,
) -> None:
    """Answer a metric question, e.g. `cdw metrics query --metrics net_revenue --group-by metric_time__month`."""
    engine = _engine()
    try:
        if explain:
            console.print(engine.sql(_names(metrics), _names(group_by), where or [], _names(order), limit))
            return
        frame = engine.query(_names(metrics), _names(group_by), where or [], _names(order), limit)
    except MetricsError as exc:
        raise _fail(str(exc), "`cdw metrics list` and `cdw metrics dimensions --metrics ...` name what exists"
                    ) from None
    finally:
        engine.close()
    if csv:
        typer.echo(frame.to_csv(index=False), nl=False)
        return
    table = Table(show_edge=False)
    for column in frame.columns:
        table.add_column(str(column), justify="right" if frame[column].dtype.kind in "fiu" else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*(_cell(value) for value in row))
    console.print(table)
    console.print(f"[dim]{len(frame)} row(s), from the serving copy {get_paths().serving_db}[/]")


def _cell(value: object) -> str:
    if value is None or value != value:  # None or NaN
        return ""
    if isinstance(value, float):
        return f"{value:,.4f}" if abs(value) < 10 else f"{value:,.2f}"
    if hasattr(value, "strftime"):
        text = value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
        return text.removesuffix(" 00:00:00")
    return str(value)
