"""`cdw`: the command line door to the warehouse.

    cdw run        (generate demo data ->) ingest -> build -> clv -> build -> check -> publish -> summary
    cdw generate   write demo vendor data (Parquet) and its ground truth
    cdw ingest     land vendor data into the raw schemas (demo files, dropped export files or APIs)
    cdw build      dbt build (models + data tests; unit tests with --unit-tests)
    cdw clv        fit and score predictive CLV as of a date
    cdw check      Great Expectations rules; results go to audit.validation_results
    cdw publish    copy the validated build warehouse to the serving warehouse
    cdw status     what the last runs did and what the warehouses hold
    cdw query      read-only SQL on the serving warehouse
    cdw sync       reverse ETL: plan, run and review syncs to marketing tools
    cdw privacy    privacy requests: export (access) or erase a person
    cdw ui         open the Dagster UI on this warehouse
    cdw metrics    metrics defined once (dbt semantic layer, MetricFlow), answered from the serving copy
    cdw dashboard  the sellers' dashboard (Streamlit) on the serving copy
    cdw docs       generate and serve the dbt docs (the analysts' catalogue)

Every command that writes the build warehouse holds the run lock (one writer at a time) and calls
the same step functions as Dagster (:mod:`cdw.steps`). Exit codes: 0 success; 1 failed or blocked
(nothing published); 2 partial (published, but some input file was rejected: see the summary).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

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
from rich.table import Table

from cdw.context import SOURCES, ContextError, RunContext, make_context
from cdw.lock import RunLocked, run_lock
from cdw.observer import Observer
from cdw.publish import PublishRefused, clean_stale_publish_files
from cdw.records import RunRecord, latest_run, utc_now
from cli import summary
from cli.dashboard import dashboard as dashboard_command
from cli.docs import docs as docs_command
from cli.metrics import metrics_app
from cli.sync import sync_app
from core.as_of import AsOfError
from core.config import ConfigFileError, warehouse_settings
from core.dbt import DbtError
from core.settings import DEFAULT_DEMO_CUSTOMERS, DEFAULT_DEMO_SEED, REPO_ROOT, get_paths

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False,
                  help="Customer-data warehouse: land, model, check and publish e-commerce customer data.")
app.add_typer(sync_app, name="sync", help="Reverse ETL: send segments to marketing tools (plan, run, history).")
app.add_typer(metrics_app, name="metrics", help="Metrics defined once (MetricFlow): list them, ask a metric question.")
app.command("dashboard")(dashboard_command)
app.command("docs")(docs_command)
console = Console()

Customers = Annotated[int, typer.Option("--customers", "-n", min=1, help="Demo people to generate.")]
Seed = Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")]
AsOf = Annotated[str | None, typer.Option(
    "--as-of", help="Reference moment of time-dependent logic: a date (YYYY-MM-DD, the end of that day, inclusive) "
                    "or a timestamp (YYYY-MM-DDTHH:MM, UTC unless an offset is given). Default: the demo's last "
                    "day for demo data, else now.")]
Source = Annotated[str | None, typer.Option(
    help="demo (generated files), drops (vendor export files in the landing folder) or api (vendor APIs, "
         "credentials from dlt secrets). Default: demo for `run`; the last run's source otherwise.")]
Landing = Annotated[Path | None, typer.Option(help="Folder to read instead of the default for the source.")]
Systems = Annotated[str | None, typer.Option(help="Only these systems, e.g. shopify,amazon (systems switched off "
                                                  "in config/warehouse.yml stay off).")]
Wait = Annotated[bool, typer.Option("--wait", help="Wait for another run that is writing the warehouse.")]
WAIT_SECONDS = 6 * 3600.0


def _steps():
    """The run's steps, imported when a command runs one (they bring dbt, dlt and Great Expectations)."""
    from cdw import steps

    return steps


def _fail(message: str, hint: str) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}\n[yellow]next:[/] {hint}")
    return typer.Exit(code=1)


def _systems(value: str | None) -> list[str] | None:
    return [s.strip() for s in value.split(",") if s.strip()] if value else None


def _default_source() -> str:
    """For commands after a run: the last run's source (a demo home stays a demo home)."""
    paths = get_paths()
    last = latest_run(paths)
    if last is not None and last.source:
        return last.source
    return "demo" if (paths.truth / "manifest.json").exists() else "drops"


def _context(source: str | None = None, as_of: str | None = None, systems: str | None = None,
             landing: Path | None = None, **extra: Any) -> RunContext:
    try:
        return make_context(source=source or _default_source(), as_of=as_of, systems=_systems(systems),
                            landing=landing, **extra)
    except (ContextError, AsOfError, ConfigFileError) as exc:
        hint = (f"use --source {' | '.join(SOURCES)}" if isinstance(exc, ContextError) and "source" in str(exc)
                else "e.g. --as-of 2026-10-31 or --as-of 2026-10-31T14:00" if isinstance(exc, AsOfError)
                else "fix the setting named above")
        raise _fail(str(exc), hint) from None


@contextmanager
def _writing(ctx: RunContext, command: str, wait: bool = False) -> Iterator[None]:
    """Hold the writer lock for a command (a clear message when another run holds it)."""
    try:
        with run_lock(ctx.paths, command, ctx.run_id, wait=WAIT_SECONDS if wait else 0.0):
            clean_stale_publish_files(ctx.paths)
            yield
    except RunLocked as exc:
        raise _fail(str(exc), "wait for it to finish (`cdw status` shows it), or add --wait") from None


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=True)


# ------------------------------------------------------------------------------------------ display


class ConsoleObserver(Observer):
    """Shows the main job's progress: a spinner per step, a progress bar over dbt's nodes."""

    LABELS = {"generate": "generating demo data", "ingest": "landing raw data with dlt",
              "build": "dbt build (models before CLV)",
              "clv": "fitting predictive CLV (BG/NBD + Gamma-Gamma)",
              "suggest": "scoring identity match suggestions (Splink)",
              "build_after_clv": "dbt build (models that read CLV and suggestions)",
              "check": "running Great Expectations rules",
              "publish": "publishing the serving warehouse"}

    def __init__(self) -> None:
        self._progress: Progress | None = None
        self._task: Any = None

    def step_started(self, step: str) -> None:
        self._progress = _progress()
        self._progress.start()
        self._task = self._progress.add_task(self.LABELS.get(step, step), total=None)

    def progress(self, step: str, message: str) -> None:
        if self._progress is not None:
            self._progress.update(self._task, description=f"{self.LABELS.get(step, step)}: {message}"[:110])

    def dbt_node(self, unique_id: str, status: str) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=1,
                                  description=f"dbt build: {unique_id.split('.')[-1]} {status}"[:110])

    def step_finished(self, step: str, value: Any, seconds: float) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        SHOW.get(step, lambda _v, _s: None)(value, seconds)


def _show_generate(result, seconds: float) -> None:
    console.print(f"[green]✓[/] generated {result.total_rows:,} rows in {result.files} files "
                  f"in {seconds:.1f}s -> {result.out_dir}")
    if result.replaced:
        console.print(f"   [yellow]note:[/] this demo replaces another one ({result.replaced}); the build "
                      "warehouse was started afresh so the two are not mixed")


def _show_ingest(outcome, seconds: float) -> None:
    load = outcome.load
    skipped = f", {len(load.files_skipped)} files already loaded" if load.files_skipped else ""
    console.print(f"[green]✓[/] ingested {load.rows_landed:,} rows into {len(load.landed)} raw tables, "
                  f"quarantined {load.rows_quarantined:,}{skipped} in {seconds:.1f}s")
    for rejected in outcome.rejected:
        where = f" (moved to {rejected.moved_to}, reason beside it)" if rejected.moved_to else ""
        console.print(f"   [red]rejected:[/] {rejected.file}: {rejected.problem}{where}")
    for note in outcome.notes:
        console.print(f"   [dim]{note}[/]")


def _show_build(result, seconds: float) -> None:
    counts = ", ".join(f"{n} {s}" for s, n in sorted(result.counts.items())) or "nothing to build"
    mark = "[green]✓[/]" if result.success else "[red]✗[/]"
    console.print(f"{mark} dbt build: {counts} in {seconds:.1f}s")
    for failure in result.failures[:10]:
        console.print(f"   [red]{failure}[/]")
    for warning in result.warnings[:10]:
        console.print(f"   [yellow]warn:[/] {warning}")


def _show_clv(outcome, seconds: float) -> None:
    mark = "[green]✓[/]" if outcome.status == "fitted" else "[yellow]•[/]"
    console.print(f"{mark} CLV {outcome.message} ({seconds:.1f}s)")


def _show_suggest(result, seconds: float) -> None:
    if result.not_scored:
        console.print(f"[yellow]•[/] identity suggestions: none, {result.not_scored} ({seconds:.1f}s)")
        return
    auto = f", {result.pairs_auto_merge} merged automatically" if result.pairs_auto_merge else ""
    console.print(f"[green]✓[/] identity suggestions: {result.pairs_suggested:,} pair(s) to review among "
                  f"{result.profiles:,} profiles{auto}, {result.model} ({seconds:.1f}s; "
                  "marts.identity_match_suggestions)")


def _show_check(report, seconds: float) -> None:
    mark = "[green]✓[/]" if not report.blocking_failures else "[red]✗[/]"
    console.print(f"{mark} checks: {report.passed}/{len(report.outcomes)} rules passed in {seconds:.1f}s")
    console.print(summary.suite_table(report))
    for failure in report.blocking_failures[:10]:
        console.print(f"   [red]blocking:[/] {failure}")
    warnings = [w for o, w in zip(report.failed("warn"), report.warnings, strict=True) if not o.not_built]
    for warning in warnings[:10]:
        console.print(f"   [yellow]warn:[/] {warning}")
    if report.not_built:
        shown = ", ".join(report.not_built[:8]) + (" ..." if len(report.not_built) > 8 else "")
        console.print(f"   [dim]not built yet (enforced once they exist): {shown}[/]")
    if report.data_docs:
        console.print(f"   data docs: {report.data_docs}")


def _show_publish(result, seconds: float) -> None:
    restricted = sum(1 for name in result.tables if name.startswith("restricted."))
    patched = f", {len(result.patched)} changed row by row" if result.patched else ""
    how = (f"{len(result.rewritten)} rewritten{patched}, {len(result.reused)} unchanged" if result.mode == "incremental"
           else f"written whole: {result.reason}")
    console.print(f"[green]✓[/] published {len(result.tables) - restricted} analytics and {restricted} restricted "
                  f"tables to {result.serving_db} in {seconds:.1f}s ({how})"
                  + (f" (+ Parquet in {result.parquet_dir})" if result.parquet_dir else ""))


SHOW: dict[str, Callable[[Any, float], None]] = {
    "generate": _show_generate, "ingest": _show_ingest, "build": _show_build, "build_after_clv": _show_build,
    "clv": _show_clv, "suggest": _show_suggest, "check": _show_check, "publish": _show_publish}


def _dagster_mirror(ctx: RunContext, record: RunRecord):
    """Record the run in the Dagster instance under the home, so `cdw ui` shows what was built."""
    from orchestration.cli_runs import DagsterMirror

    return DagsterMirror(ctx, record)


def _step(ctx: RunContext, name: str, fn: Callable[[Observer], Any]) -> Any:
    """Run one step alone with the progress display; dbt could not run -> a clear error."""
    observer = ConsoleObserver()
    observer.step_started(name)
    started = time.perf_counter()
    try:
        value = fn(observer)
    except DbtError as exc:
        if observer._progress is not None:
            observer._progress.stop()
        raise _fail(str(exc), "fix the model or YAML named above, then run the command again") from None
    except BaseException:
        if observer._progress is not None:
            observer._progress.stop()
        raise
    observer.step_finished(name, value, time.perf_counter() - started)
    return value


def _record(ctx: RunContext, command: str, status: str, **steps_done: dict) -> None:
    """A run record for a single command, so `cdw status` shows it."""
    record = RunRecord(run_id=ctx.run_id, started_at=utc_now(), command=command, source=ctx.source,
                       as_of=ctx.as_of.to_json(), systems=list(ctx.systems), systems_off=list(ctx.systems_off),
                       steps=steps_done)
    record.finish(ctx.paths, status)


# ------------------------------------------------------------------------------------------ commands


@app.command()
def run(
    customers: Customers = DEFAULT_DEMO_CUSTOMERS,
    seed: Seed = DEFAULT_DEMO_SEED,
    skip_generate: Annotated[bool, typer.Option(help="Reuse demo files already generated.")] = False,
    source: Source = None,
    landing: Landing = None,
    systems: Systems = None,
    as_of: AsOf = None,
    wait: Wait = False,
) -> None:
    """The main job: (generate ->) ingest -> build -> CLV -> build -> check -> publish -> summary.

    Exit code 0: published; 2: published, but an input file was rejected (named in the summary);
    1: nothing published (a blocking check failed, or a step could not run).
    """
    ctx = _context(source or "demo", as_of, systems, landing, demo_customers=customers, demo_seed=seed)
    console.rule(f"[bold]customer warehouse run {ctx.run_id}")
    if ctx.source in ("demo", "drops") and not ctx.landing_dir.exists() and (skip_generate or ctx.source != "demo"):
        hint = ("run `cdw generate` first" if ctx.source == "demo"
                else f"drop vendor export files into {ctx.landing_dir} (see ingestion/file_drops/README.md)")
        raise _fail(f"nothing to ingest: {ctx.landing_dir} does not exist", hint)
    try:
        from cdw.main_job import run_main_job

        outcome = run_main_job(ctx, ConsoleObserver(), generate=not skip_generate,
                               wait=WAIT_SECONDS if wait else 0.0,
                               mirror=_dagster_mirror if warehouse_settings().dagster.record_cli_runs else None)
    except RunLocked as exc:
        raise _fail(str(exc), "wait for it to finish (`cdw status` shows it), or add --wait") from None
    record = outcome.record
    if record.status in ("blocked", "failed"):
        hint = ("inspect the failures above, fix them, and run again" if record.status == "blocked"
                else "fix the problem named above, then run again")
        console.print(f"[bold red]{record.status}:[/] {record.error}\n[yellow]next:[/] {hint}")
        raise typer.Exit(code=outcome.exit_code)
    summary.print_run_summary(console, ctx.paths, record, outcome.values)
    raise typer.Exit(code=outcome.exit_code)


@app.command()
def generate(customers: Customers = DEFAULT_DEMO_CUSTOMERS, seed: Seed = DEFAULT_DEMO_SEED) -> None:
    """Write demo vendor data and its ground truth."""
    ctx = _context("demo", demo_customers=customers, demo_seed=seed)
    _step(ctx, "generate", lambda _o: _steps().generate(ctx))


@app.command()
def ingest(
    source: Source = None,
    landing: Landing = None,
    systems: Systems = None,
    force: Annotated[bool, typer.Option(help="Reprocess files already loaded (merge keeps it idempotent).")] = False,
    wait: Wait = False,
) -> None:
    """Land vendor data into the raw schemas of the build warehouse."""
    ctx = _context(source, None, systems, landing, force=force)
    if ctx.source in ("demo", "drops") and not ctx.landing_dir.exists():
        hint = ("run `cdw generate` first" if ctx.source == "demo"
                else f"drop vendor export files into {ctx.landing_dir} (see ingestion/file_drops/README.md)")
        raise _fail(f"nothing to ingest: {ctx.landing_dir} does not exist", hint)
    with _writing(ctx, "cdw ingest", wait):
        try:
            outcome = _step(ctx, "ingest", lambda o: _steps().ingest(ctx, progress=lambda m: o.progress("ingest", m)))
        except Exception as exc:  # a broken file or an unreachable API: say which, and what to do
            _record(ctx, "ingest", "failed")
            raise _fail(f"ingest failed: {exc}",
                        "check the file or the source's credentials (.dlt/secrets.toml / environment) named "
                        "above, then `cdw ingest` again; tables loaded before the failure stay loaded") from None
        _record(ctx, "ingest", "partial" if outcome.rejected else "success", ingest=outcome.to_dict())
    if not outcome.ok:
        console.print(f"[yellow]partial:[/] {len(outcome.rejected)} file(s) rejected (moved aside with the reason); "
                      "the other files landed. Fix or re-export them and drop them again.")
        raise typer.Exit(code=2)


@app.command()
def build(
    as_of: AsOf = None,
    full_refresh: Annotated[bool, typer.Option("--full-refresh")] = False,
    unit_tests: Annotated[bool, typer.Option(
        "--unit-tests", help="Also run the dbt unit tests (SQL logic on fixed inputs; make test runs them).")] = False,
    wait: Wait = False,
) -> None:
    """Run dbt build: models, seeds and data tests (and unit tests with --unit-tests).

    Builds every model at once, reading the CLV scores of the last CLV run (`cdw run` fits CLV
    between the two halves of the build; `cdw clv` refits it).
    """
    ctx = _context(None, as_of)
    with _writing(ctx, "cdw build", wait):
        result = _step(ctx, "build", lambda o: _steps().build(ctx, "all", on_node=o.dbt_node,
                                                             full_refresh=full_refresh, unit_tests=unit_tests))
    console.print(f"   as of {ctx.as_of.label}")
    if not result.success:
        raise typer.Exit(code=1)


@app.command()
def clv(as_of: AsOf = None, wait: Wait = False) -> None:
    """Fit BG/NBD + Gamma-Gamma on the stitched orders as of a date and score every customer.

    The models that read the scores are rebuilt afterwards, so customer_value, segments and
    audiences follow. Publish with `cdw publish`.
    """
    ctx = _context(None, as_of)
    with _writing(ctx, "cdw clv", wait):
        outcome = _step(ctx, "clv", lambda _o: _steps().clv(ctx))
        result = _step(ctx, "build_after_clv", lambda o: _steps().build(ctx, "after_clv", on_node=o.dbt_node))
        _record(ctx, "clv", "success" if result.success else "failed", clv=outcome.to_dict())
    if outcome.status == "skipped" or not result.success:
        raise typer.Exit(code=1)


SuitesOption = Annotated[list[str] | None, typer.Option(
    "--suite", help="Only this suite (repeatable): landing, dictionary, identity, value, audience, privacy.")]


@app.command()
def check(
    suite: SuitesOption = None,
    docs: Annotated[bool, typer.Option("--docs/--no-docs", help="Rebuild the GX Data Docs site.")] = True,
    wait: Wait = False,
) -> None:
    """Run the Great Expectations suites on the build warehouse; results go to audit.validation_results."""
    ctx = _context()
    if not ctx.paths.build_db.exists():
        raise _fail(f"no build warehouse at {ctx.paths.build_db}", "run `cdw ingest` (or `cdw run`) first")
    with _writing(ctx, "cdw check", wait):
        try:
            report = _step(ctx, "check", lambda _o: _steps().check(ctx, suites=suite, data_docs=docs))
        except ValueError as exc:
            raise _fail(str(exc), "pick suites from the list in `cdw check --help`") from None
    if report.blocking_failures:
        raise typer.Exit(code=1)


@app.command()
def publish(
    parquet: Annotated[bool | None, typer.Option(
        "--parquet/--no-parquet", help="Also publish the analytics schema as Parquet (default: $CDW_PUBLISH_PARQUET)."
    )] = None,
    full: Annotated[bool, typer.Option(
        "--full", help="Write every table anew instead of only those whose content changed (compacts the file)."
    )] = False,
    wait: Wait = False,
) -> None:
    """Check, then publish the build warehouse to the serving warehouse (analytics + restricted schemas).

    Only the tables whose content changed since the last publish are rewritten; the others are kept.
    """
    ctx = _context()
    with _writing(ctx, "cdw publish", wait):
        report = _step(ctx, "check", lambda _o: _steps().check(ctx))
        try:
            _step(ctx, "publish", lambda _o: _steps().publish(ctx, report.blocking_failures, parquet=parquet,
                                                              full=full))
        except PublishRefused as exc:
            raise _fail(str(exc), "fix the failing data or rule, then `cdw publish` again") from None


@app.command()
def lane(
    as_of: AsOf = None,
    send: Annotated[bool | None, typer.Option(
        "--send/--dry-run", help="Send to the destinations, or only plan (default: plan on demo data, send otherwise).")
    ] = None,
    wait: Wait = False,
) -> None:
    """The activation lane once: new events -> trigger audiences -> trigger syncs (what its schedule runs).

    Ingests the lane's systems, rebuilds only the models between them and the trigger audiences
    (the identity graph is left to the main run), checks the audiences and runs the trigger syncs.
    Settings: `activation_lane` in config/orchestration.yml.
    """
    from cdw.lane import run_lane
    from orchestration.config import load_config

    settings = load_config().lane
    ctx = _context(None, as_of)
    observer = ConsoleObserver()
    observer.step_started("lane")
    try:
        outcome = run_lane(ctx, settings.systems, settings.syncs, settings.dbt_tag,
                           dry_run=None if send is None else not send, wait=WAIT_SECONDS if wait else 0.0,
                           progress=lambda m: observer.progress("lane", m))
    except RunLocked as exc:
        raise _fail(str(exc), "wait for it to finish (`cdw status` shows it), or add --wait") from None
    except DbtError as exc:
        raise _fail(str(exc), "fix the model or YAML named above, then run the lane again") from None
    finally:
        if observer._progress is not None:
            observer._progress.stop()
    timing = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in outcome.seconds.items())
    mark = "[green]✓[/]" if outcome.ok else "[red]✗[/]"
    console.print(f"{mark} lane as of {ctx.as_of.label}: {outcome.ingest.load.rows_landed:,} new rows, dbt "
                  + ", ".join(f"{n} {s}" for s, n in sorted(outcome.build.counts.items())) + f" ({timing})")
    for failure in [*outcome.build.failures, *outcome.check.blocking_failures][:10]:
        console.print(f"   [red]{failure}[/]")
    for result in outcome.syncs:
        planned = result.planned
        console.print(f"   sync {result.sync_name}: {result.status}, {planned['adds']} to add"
                      + (f", {result.accepted} accepted" if not result.dry_run else " (dry run)")
                      + (f" — {result.error}" if result.error else ""))
    if not outcome.ok:
        raise typer.Exit(code=1)


@app.command()
def status() -> None:
    """What the last runs did (running, killed, partial...), the as-of, checks, quarantine and the warehouses."""
    summary.print_status(console, get_paths())


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="SQL to run, e.g. \"select * from fct_orders limit 5\" "
                                            "(unqualified names are analytics tables).")],
    build_warehouse: Annotated[bool, typer.Option(
        "--build", help="Query the build warehouse instead (personal data everywhere: needs --restricted).")] = False,
    restricted: Annotated[bool, typer.Option(
        "--restricted", help="Allow the restricted schema (personal columns); only if you may see personal data.")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help="table (first rows), or csv / json (every row, streamed: "
                                                      "redirect to a file to export).")] = "table",
    limit: Annotated[int | None, typer.Option("--limit", min=0, help="At most N rows (table default: 100).")] = None,
) -> None:
    """Read-only SQL on the serving warehouse: no files, no settings, no writes; restricted.* needs --restricted."""
    from cdw import query as analyst_query

    paths = get_paths()
    code = analyst_query.main(paths.build_db if build_warehouse else paths.serving_db, sql, build=build_warehouse,
                              restricted=restricted, fmt=fmt, limit=limit, out=sys.stdout,
                              console=console, errors=console if fmt == "table" else Console(stderr=True))
    if code:
        raise typer.Exit(code=code)


@app.command()
def ui(
    port: Annotated[int, typer.Option(help="Port for the Dagster UI.")] = 3000,
    host: Annotated[str, typer.Option(help="Interface to listen on (0.0.0.0: the network).")] = "127.0.0.1",
) -> None:
    """Open the Dagster UI on this warehouse: lineage, owners, freshness, checks, schedules, sensors.

    Runs ``dagster dev`` (web server + daemon, so schedules and sensors tick) with the instance in
    ``<CDW_HOME>/dagster`` (``DAGSTER_HOME``), configured by the repository's ``dagster.yaml``.
    """
    paths = get_paths().ensure()
    env = {**os.environ, "DAGSTER_HOME": str(paths.dagster_home), "CDW_HOME": str(paths.home)}
    (paths.dagster_home / "dagster.yaml").write_text((REPO_ROOT / "dagster.yaml").read_text())
    console.print(f"[bold]Dagster UI[/] on http://{host}:{port}  (Ctrl-C to stop)")
    console.print(f"  instance   {paths.dagster_home}\n  warehouse  {paths.build_db}")
    console.print("  Assets: the lineage graph from each vendor to each mart and sync, with owners and checks.\n"
                  "  Run everything now: Jobs -> main_job -> Materialize all (schedules: Automation).")
    dagster = Path(sys.executable).with_name("dagster")
    os.execve(str(dagster), [str(dagster), "dev", "-m", "orchestration.definitions", "-h", host,
                             "-p", str(port)], env)


# ------------------------------------------------------------------------------------------ privacy
privacy_app = typer.Typer(no_args_is_help=True, help="Privacy requests: export (access) or erase a person.")
app.add_typer(privacy_app, name="privacy", help="Privacy requests: export everything about a person, or erase them.")
Email = Annotated[str | None, typer.Option(
    "--email", help="The person's e-mail address ('-': read it from standard input, off the command line).")]
Phone = Annotated[str | None, typer.Option(
    "--phone", help="The person's phone, international form (+14155550134); '-': from standard input.")]
CustomerId = Annotated[str | None, typer.Option("--customer-id", help="The person's customer_id (cus_...).")]


def _identifier(email: str | None, phone: str | None, customer_id: str | None) -> tuple[str, str]:
    given = [(kind, value) for kind, value in (("email", email), ("phone", phone), ("customer_id", customer_id))
             if value]
    if len(given) != 1:
        raise _fail("name the person by exactly one of --email, --phone, --customer-id",
                    "e.g. `cdw privacy export --email jane@example.com`, or `--email -` to read it from "
                    "standard input so it stays out of the process list and shell history")
    kind, value = given[0]
    if value == "-":
        value = sys.stdin.readline().strip()
        if not value:
            raise _fail(f"--{kind.replace('_', '-')} -: nothing on standard input",
                        f"e.g. `cdw privacy erase --{kind.replace('_', '-')} - --yes < request.txt`")
    return kind, value


def _subject(con, kind: str, value: str):
    from cdw import privacy

    try:
        return privacy.find_subject(con, kind, value)
    except privacy.PrivacyRequestError as exc:
        raise _fail(str(exc), "check the identifier and try again") from None


def _build_warehouse_connection(read_only: bool = False):
    import duckdb

    paths = get_paths()
    if not paths.build_db.exists():
        raise _fail(f"no build warehouse at {paths.build_db}", "run `make demo` (or `cdw run`) first")
    return duckdb.connect(str(paths.build_db), read_only=read_only)


@privacy_app.command("export")
def privacy_export(
    email: Email = None, phone: Phone = None, customer_id: CustomerId = None,
    out: Annotated[Path | None, typer.Option(help="Folder for the export (default: <CDW_HOME>/privacy/exports).")
                   ] = None,
) -> None:
    """Access request: write every row held about the person (raw, staged, marts, sync state) as JSON files.

    Exports expire after privacy.export_retention_days (config/warehouse.yml) and go with an erasure.
    """
    from cdw import privacy
    from cdw.erase import housekeeping
    from cdw.retention import exports_dir

    kind, value = _identifier(email, phone, customer_id)
    housekeeping(get_paths())
    con = _build_warehouse_connection()
    try:
        subject = _subject(con, kind, value)
        result = privacy.export_subject(con, subject, out or exports_dir(get_paths()))
    finally:
        con.close()
    console.print(f"request {result.request_id}: {kind} {privacy.mask(value)} -> {result.customers} customer id(s), "
                  f"{result.records} source record(s), {result.total_rows:,} rows in {len(result.rows)} tables")
    expires = json.loads((result.export_dir / "manifest.json").read_text())["expires_at"]
    console.print(f"[green]✓[/] exported to {result.export_dir} (personal data: hand it to the requester only; "
                  f"deleted on {expires[:10]} or when the person is erased)")


@privacy_app.command("erase")
def privacy_erase(
    email: Email = None, phone: Phone = None, customer_id: CustomerId = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    rebuild: Annotated[bool, typer.Option(help="Rebuild, check and publish afterwards so marts and the serving "
                                               "copy no longer hold the person.")] = True,
    compact: Annotated[bool, typer.Option(help="Rewrite the build warehouse file so erased rows do not linger "
                                               "in its free blocks.")] = True,
) -> None:
    """Erasure request: erase the person from the warehouses, landing files, exports, logs and artifacts.

    Deletions are queued at every destination the person reached (`cdw sync run` sends them).
    """
    from cdw import privacy
    from cdw.erase import ErasureBlocked, erase_person

    kind, value = _identifier(email, phone, customer_id)
    label = f"{kind} {privacy.mask(value)}"

    def confirm(subject) -> bool:
        return yes or typer.confirm(f"Erase {label}: {len(subject.customer_ids)} customer id(s), "
                                    f"{len(subject.records)} source record(s)?")

    paths = get_paths()
    with console.status(f"erasing {label}") as status:
        try:
            outcome = erase_person(paths, kind, value, rebuild=rebuild, compact=compact, confirm=confirm,
                                   progress=lambda message: status.update(f"erasing {label}: {message}"))
        except privacy.PrivacyRequestError as exc:
            raise _fail(str(exc), "check the identifier and try again") from None
        except ErasureBlocked as exc:
            raise _fail(str(exc), "then run the erasure again") from None
        except RunLocked as exc:
            raise _fail(str(exc), "run the erasure again when it ends") from None
    if outcome.cancelled or outcome.request is None:
        raise typer.Exit(code=1)
    result = outcome.request
    if not result.found:
        console.print(f"request {result.request_id}: nothing held for {label} in the warehouse; logged")
    else:
        by_layer: dict[str, int] = {}
        for relation, rows in result.rows.items():
            layer = relation.split(".")[0]
            by_layer[layer] = by_layer.get(layer, 0) + rows
        console.print(f"[green]✓[/] request {result.request_id}: erased {result.total_rows:,} rows of {label} ("
                      + ", ".join(f"{layer} {rows:,}" for layer, rows in sorted(by_layer.items())) + ")")
        console.print(f"   deletions queued at {result.deletions_queued} destination sync(s); "
                      "`cdw sync run` sends them")
    files = outcome.files
    landing_rows = sum(outcome.landing.values()) + sum(
        rows for path, rows in files.rewritten.items() if paths.landing in path.parents
        or paths.demo_landing in path.parents)
    console.print(f"   files: {len(set(outcome.landing) | set(files.rewritten))} rewritten without the person "
                  f"({landing_rows:,} landing rows), {len(files.redacted)} logs/artifacts redacted, "
                  f"{len(files.deleted)} caches deleted, {len(outcome.exports_purged)} access-request export(s) "
                  "purged")
    for path, why in files.left.items():
        console.print(f"   [red]not cleaned:[/] {path} ({why})")
    if not rebuild:
        console.print("[yellow]next:[/] `cdw build` then `cdw publish`, so marts and the serving copy follow")
    elif outcome.published:
        console.print(f"[green]✓[/] rebuilt and published: {paths.serving_db} no longer holds {label}")
    elif result.found:
        raise _fail(f"erased from the build warehouse and every file, but the serving copy was not republished: "
                    f"{outcome.not_published}", "fix the failures, then `cdw publish`")
    if files.left:
        raise _fail(f"{len(files.left)} file(s) could not be cleaned (listed above)",
                    "close what holds them open (a DuckDB client, Dagster), then run the erasure again")


@privacy_app.command("log")
def privacy_log(limit: Annotated[int, typer.Option("-n", help="Requests to show.")] = 20) -> None:
    """The privacy requests carried out (no personal data: identifiers are stored as hashes)."""
    import duckdb

    con = _build_warehouse_connection(read_only=True)
    try:
        rows = con.execute("select request_id, action, requested_at, identifier_kind, customers, records, "
                           "rows_affected, deletions_queued, status from audit.privacy_requests "
                           "order by requested_at desc limit ?", [limit]).fetchall()
    except duckdb.CatalogException:
        rows = []
    finally:
        con.close()
    table = Table(title="privacy requests")
    for column in ("request", "action", "at", "by", "customers", "records", "rows", "deletions queued", "status"):
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(v) for v in row))
    console.print(table)


if __name__ == "__main__":
    app()
