"""`cdw`: the command line door to the warehouse.

    cdw run        generate demo data -> ingest -> dbt build -> checks -> publish -> summary
    cdw generate   write demo vendor data (Parquet) and its ground truth
    cdw ingest     land vendor data into the raw schemas (demo output or a landing folder)
    cdw build      dbt build (models + data tests + unit tests)
    cdw check      Great Expectations rules; results go to audit.validation_results
    cdw publish    copy the validated build warehouse to the serving warehouse
    cdw status     what the last run did and what the warehouses hold
    cdw query      read-only SQL on the serving warehouse
    cdw sync       reverse ETL: plan, run and review syncs to marketing tools
    cdw ui         open the Dagster UI on this warehouse
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from activation.cli import sync_app
from cdw import pipeline, summary
from cdw.dbt import DbtError
from cdw.publish import PublishRefused
from cdw.settings import DEFAULT_DEMO_CUSTOMERS, DEFAULT_DEMO_SEED, REPO_ROOT, get_paths

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False,
                  help="Customer-data warehouse: land, model, check and publish e-commerce customer data.")
app.add_typer(sync_app, name="sync", help="Reverse ETL: send segments to marketing tools (plan, run, history).")
console = Console()

Customers = Annotated[int, typer.Option("--customers", "-n", min=1, help="Demo people to generate.")]
Seed = Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="As-of date YYYY-MM-DD for time-dependent logic.")]


def _fail(message: str, hint: str) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}\n[yellow]next:[/] {hint}")
    return typer.Exit(code=1)


def _as_of(value: str | None) -> date | None:
    if value is None:
        return pipeline.demo_end_date(get_paths())
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"--as-of {value!r} is not a date", "use the form YYYY-MM-DD, e.g. --as-of 2026-10-31") from None


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=True)


def _generate(customers: int, seed: int):
    with console.status(f"generating demo data for {customers:,} customers (seed {seed})"):
        result = pipeline.step_generate(get_paths(), customers=customers, seed=seed)
    console.print(f"[green]✓[/] generated {result.total_rows:,} rows in {len(result.rows_per_table)} files "
                  f"in {result.seconds:.1f}s -> {result.out_dir}")
    return result


def _ingest(source: str, landing: Path | None, systems: list[str] | None, force: bool):
    paths = get_paths()
    if source not in pipeline.SOURCES:
        raise _fail(f"unknown source {source!r}", f"use --source {' | '.join(pipeline.SOURCES)}")
    folder = landing or {"demo": paths.demo_landing, "drops": paths.landing}.get(source)
    if folder is not None and not folder.exists():
        hint = ("run `cdw generate` first" if source == "demo"
                else f"drop vendor export files into {folder} (see ingestion/file_drops/README.md)")
        raise _fail(f"nothing to ingest: {folder} does not exist", hint)
    with console.status(f"landing raw data ({source}) with dlt") as status:
        try:
            outcome = pipeline.step_ingest(paths, source=source, landing=landing, systems=systems, force=force,
                                           progress=lambda message: status.update(f"landing raw data: {message}"))
        except Exception as exc:  # a broken file or an unreachable API: say which, and what to do
            raise _fail(f"ingest failed: {exc}",
                        "fix or remove the file named above (nothing from it landed), or check the source's "
                        "credentials in .dlt/secrets.toml / environment, then `cdw ingest` again") from None
    result = outcome.load
    skipped = f", {len(result.files_skipped)} files already loaded" if result.files_skipped else ""
    console.print(f"[green]✓[/] ingested {result.rows_landed:,} rows into {len(result.landed)} raw tables, "
                  f"quarantined {result.rows_quarantined:,}{skipped} in {result.seconds:.1f}s")
    for rejection in outcome.rejected:
        console.print(f"   [red]rejected:[/] {rejection}")
    return outcome


def _systems(value: str | None) -> list[str] | None:
    return [s.strip() for s in value.split(",") if s.strip()] if value else None


def _build(as_of: date | None, full_refresh: bool):
    paths = get_paths()
    if not paths.build_db.exists():
        raise _fail(f"no build warehouse at {paths.build_db}", "run `cdw ingest` (or `cdw run`) first")
    with _progress() as progress:
        task = progress.add_task("dbt build", total=None)

        def on_node(unique_id: str, status: str) -> None:
            progress.update(task, advance=1, description=f"dbt build: {unique_id.split('.')[-1]} {status}")

        try:
            result = pipeline.step_build(paths, as_of=as_of, full_refresh=full_refresh, on_node=on_node)
        except DbtError as exc:
            raise _fail(str(exc), "fix the model or YAML named above, then `cdw build` again") from None
    counts = ", ".join(f"{n} {s}" for s, n in sorted(result.counts.items()))
    mark = "[green]✓[/]" if result.success else "[red]✗[/]"
    console.print(f"{mark} dbt build: {counts} in {result.seconds:.1f}s")
    for failure in result.failures[:10]:
        console.print(f"   [red]{failure}[/]")
    return result


def _check(run_id: str):
    with console.status("running Great Expectations rules"):
        report = pipeline.step_check(get_paths(), run_id)
    mark = "[green]✓[/]" if not report.blocking_failures else "[red]✗[/]"
    console.print(f"{mark} checks: {report.passed}/{len(report.outcomes)} rules passed in {report.seconds:.1f}s")
    for failure in report.blocking_failures[:10]:
        console.print(f"   [red]blocking:[/] {failure}")
    for warning in report.warnings[:10]:
        console.print(f"   [yellow]warn:[/] {warning}")
    return report


@app.command()
def generate(customers: Customers = DEFAULT_DEMO_CUSTOMERS, seed: Seed = DEFAULT_DEMO_SEED) -> None:
    """Write demo vendor data and its ground truth."""
    _generate(customers, seed)


Source = Annotated[str, typer.Option(help="demo (generated files), drops (vendor export files in the "
                                           "landing folder) or api (vendor APIs, credentials from dlt secrets).")]
Landing = Annotated[Path | None, typer.Option(help="Folder to read instead of the default for the source.")]
Systems = Annotated[str | None, typer.Option(help="Only these systems, e.g. shopify,amazon.")]


@app.command()
def ingest(
    source: Source = "demo",
    landing: Landing = None,
    systems: Systems = None,
    force: Annotated[bool, typer.Option(help="Reprocess files already loaded (merge keeps it idempotent).")] = False,
) -> None:
    """Land vendor data into the raw schemas of the build warehouse."""
    outcome = _ingest(source, landing, _systems(systems), force)
    if not outcome.ok:
        raise _fail(f"{len(outcome.rejected)} file(s) rejected", "fix or re-export them; the other files landed")


@app.command()
def build(as_of: AsOf = None, full_refresh: Annotated[bool, typer.Option("--full-refresh")] = False) -> None:
    """Run dbt build: models, data tests and unit tests."""
    result = _build(_as_of(as_of), full_refresh)
    if not result.success:
        raise typer.Exit(code=1)


@app.command()
def check() -> None:
    """Run the Great Expectations rules on the build warehouse."""
    report = _check(pipeline.new_run_id())
    if report.blocking_failures:
        raise typer.Exit(code=1)


@app.command()
def publish() -> None:
    """Check, then publish the build warehouse to the serving warehouse."""
    run_id = pipeline.new_run_id()
    report = _check(run_id)
    try:
        result = pipeline.step_publish(get_paths(), report.blocking_failures, run_id)
    except PublishRefused as exc:
        raise _fail(str(exc), "fix the failing data or rule, then `cdw publish` again") from None
    console.print(f"[green]✓[/] published {len(result.tables)} tables to {result.serving_db}")


@app.command()
def run(
    customers: Customers = DEFAULT_DEMO_CUSTOMERS,
    seed: Seed = DEFAULT_DEMO_SEED,
    skip_generate: Annotated[bool, typer.Option(help="Reuse demo files already generated.")] = False,
    source: Source = "demo",
    landing: Landing = None,
    systems: Systems = None,
) -> None:
    """The main job: generate -> ingest -> build -> check -> publish -> summary."""
    paths = get_paths().ensure()
    record = pipeline.RunRecord(run_id=pipeline.new_run_id(), started_at=pipeline.utc_now())
    console.rule(f"[bold]customer warehouse run {record.run_id}")
    try:
        if source == "demo" and not skip_generate:
            generated, seconds = pipeline.timed(_generate, customers, seed)
            record.steps["generate"] = {"seconds": seconds, "rows": generated.total_rows}
        outcome, seconds = pipeline.timed(_ingest, source, landing, _systems(systems), False)
        ingested = outcome.load
        record.steps["ingest"] = {"seconds": seconds, "rows_landed": ingested.rows_landed,
                                  "rows_quarantined": ingested.rows_quarantined, "quarantined": ingested.quarantined,
                                  "rejected_files": outcome.rejected}
        as_of = pipeline.demo_end_date(paths) if source == "demo" else None
        record.as_of = as_of.isoformat() if as_of else None
        built, seconds = pipeline.timed(_build, as_of, False)
        record.steps["build"] = {"seconds": seconds, "counts": built.counts, "failures": built.failures}
        report, seconds = pipeline.timed(_check, record.run_id)
        record.steps["check"] = {"seconds": seconds, "passed": report.passed, "total": len(report.outcomes),
                                 "blocking_failures": report.blocking_failures}
        failures = report.blocking_failures + [f"dbt {f}" for f in built.failures]
        published, seconds = pipeline.timed(pipeline.step_publish, paths, failures, record.run_id)
        record.steps["publish"] = {"seconds": seconds, "tables": len(published.tables)}
        record.status = "success"
    except PublishRefused as exc:
        record.status, record.error = "blocked", str(exc)
        record.save(paths)
        raise _fail(str(exc), "inspect the failures above, fix them, and run again") from None
    except typer.Exit:
        record.status = "failed"
        record.save(paths)
        raise
    record.save(paths)
    summary.print_run_summary(console, paths, record)


@app.command()
def status() -> None:
    """What the last run did and what the warehouses hold."""
    summary.print_status(console, get_paths())


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="SQL to run, e.g. \"select * from staging.stg_shopify__orders limit 5\"")],
    build_warehouse: Annotated[bool, typer.Option("--build", help="Query the build warehouse instead.")] = False,
) -> None:
    """Run read-only SQL on the serving warehouse and print the result."""
    import duckdb

    paths = get_paths()
    db = paths.build_db if build_warehouse else paths.serving_db
    if not db.exists():
        raise _fail(f"no warehouse at {db}", "run `make demo` (or `cdw run`) first")
    try:
        con = duckdb.connect(str(db), read_only=True)
        console.print(con.sql(sql))
    except duckdb.Error as exc:
        raise _fail(str(exc).splitlines()[0], "check the SQL; `cdw query \"show all tables\"` lists tables") from None


@app.command()
def ui(port: Annotated[int, typer.Option(help="Port for the Dagster UI.")] = 3000) -> None:
    """Open the Dagster UI (assets, checks, schedules) on this warehouse."""
    paths = get_paths().ensure()
    env = {**os.environ, "DAGSTER_HOME": str(paths.dagster_home), "CDW_HOME": str(paths.home)}
    (paths.dagster_home / "dagster.yaml").write_text((REPO_ROOT / "dagster.yaml").read_text())
    console.print(f"Dagster UI on http://127.0.0.1:{port} (Ctrl-C to stop)")
    dagster = Path(sys.executable).with_name("dagster")
    os.execve(str(dagster), [str(dagster), "dev", "-m", "orchestration.definitions", "-h", "127.0.0.1",
                             "-p", str(port)], env)


if __name__ == "__main__":
    app()
