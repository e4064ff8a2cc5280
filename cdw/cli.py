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
    cdw privacy    privacy requests: export (access) or erase a person
    cdw ui         open the Dagster UI on this warehouse
"""

from __future__ import annotations

import json
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
from rich.table import Table

from cdw import pipeline, summary
from cdw.publish import PublishRefused
from cdw.sync_cli import sync_app
from core.dbt import DbtError
from core.settings import DEFAULT_DEMO_CUSTOMERS, DEFAULT_DEMO_SEED, REPO_ROOT, get_paths

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


def _clv(as_of: date | None) -> str:
    with console.status("fitting predictive CLV (BG/NBD + Gamma-Gamma)"):
        result = pipeline.step_clv(get_paths(), as_of)
    if isinstance(result, str):
        console.print(f"[yellow]•[/] CLV {result}")
        return result
    text = (f"fitted on {result.n_customers:,} customers ({result.n_repeat_buyers:,} repeat buyers), "
            f"{result.horizon_months}-month CLV total {result.total_clv:,.0f}")
    console.print(f"[green]✓[/] CLV {text}")
    return text


def _systems(value: str | None) -> list[str] | None:
    return [s.strip() for s in value.split(",") if s.strip()] if value else None


def _build(as_of: date | None, full_refresh: bool, unit_tests: bool = False):
    paths = get_paths()
    if not paths.build_db.exists():
        raise _fail(f"no build warehouse at {paths.build_db}", "run `cdw ingest` (or `cdw run`) first")
    with _progress() as progress:
        task = progress.add_task("dbt build", total=None)

        def on_node(unique_id: str, status: str) -> None:
            progress.update(task, advance=1, description=f"dbt build: {unique_id.split('.')[-1]} {status}")

        try:
            result = pipeline.step_build(paths, as_of=as_of, full_refresh=full_refresh, on_node=on_node,
                                         unit_tests=unit_tests)
        except DbtError as exc:
            raise _fail(str(exc), "fix the model or YAML named above, then `cdw build` again") from None
    counts = ", ".join(f"{n} {s}" for s, n in sorted(result.counts.items()))
    mark = "[green]✓[/]" if result.success else "[red]✗[/]"
    console.print(f"{mark} dbt build: {counts} in {result.seconds:.1f}s")
    for failure in result.failures[:10]:
        console.print(f"   [red]{failure}[/]")
    return result


def _suite_table(report) -> Table:
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


def _check(run_id: str, suites: list[str] | None = None, data_docs: bool = True):
    with console.status("running Great Expectations rules"):
        report = pipeline.step_check(get_paths(), run_id, suites=suites, data_docs=data_docs)
    mark = "[green]✓[/]" if not report.blocking_failures else "[red]✗[/]"
    console.print(f"{mark} checks: {report.passed}/{len(report.outcomes)} rules passed in {report.seconds:.1f}s")
    console.print(_suite_table(report))
    for failure in report.blocking_failures[:10]:
        console.print(f"   [red]blocking:[/] {failure}")
    real_warnings = [w for o, w in zip(report.failed("warn"), report.warnings, strict=True) if not o.not_built]
    for warning in real_warnings[:10]:
        console.print(f"   [yellow]warn:[/] {warning}")
    if report.not_built:
        shown = ", ".join(report.not_built[:8]) + (" ..." if len(report.not_built) > 8 else "")
        console.print(f"   [dim]not built yet (enforced once they exist): {shown}[/]")
    if report.data_docs:
        console.print(f"   data docs: {report.data_docs}")
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
def build(
    as_of: AsOf = None,
    full_refresh: Annotated[bool, typer.Option("--full-refresh")] = False,
    unit_tests: Annotated[bool, typer.Option(
        "--unit-tests", help="Also run the dbt unit tests (SQL logic on fixed inputs; make test runs them).")] = False,
) -> None:
    """Run dbt build: models, seeds and data tests (and unit tests with --unit-tests)."""
    result = _build(_as_of(as_of), full_refresh, unit_tests)
    if not result.success:
        raise typer.Exit(code=1)


SuitesOption = Annotated[list[str] | None, typer.Option(
    "--suite", help="Only this suite (repeatable): landing, dictionary, identity, value, audience, privacy.")]


@app.command()
def check(
    suite: SuitesOption = None,
    docs: Annotated[bool, typer.Option("--docs/--no-docs", help="Rebuild the GX Data Docs site.")] = True,
) -> None:
    """Run the Great Expectations suites on the build warehouse; results go to audit.validation_results."""
    paths = get_paths()
    if not paths.build_db.exists():
        raise _fail(f"no build warehouse at {paths.build_db}", "run `cdw ingest` (or `cdw run`) first")
    try:
        report = _check(pipeline.new_run_id(), suites=suite, data_docs=docs)
    except ValueError as exc:
        raise _fail(str(exc), "pick suites from the list in `cdw check --help`") from None
    if report.blocking_failures:
        raise typer.Exit(code=1)


@app.command()
def publish(
    parquet: Annotated[bool | None, typer.Option(
        "--parquet/--no-parquet", help="Also publish the analytics schema as Parquet (default: $CDW_PUBLISH_PARQUET)."
    )] = None,
) -> None:
    """Check, then publish the build warehouse to the serving warehouse (analytics + restricted schemas)."""
    run_id = pipeline.new_run_id()
    report = _check(run_id)
    try:
        result = pipeline.step_publish(get_paths(), report.blocking_failures, run_id, parquet=parquet)
    except PublishRefused as exc:
        raise _fail(str(exc), "fix the failing data or rule, then `cdw publish` again") from None
    restricted = sum(1 for name in result.tables if name.startswith("restricted."))
    console.print(f"[green]✓[/] published {len(result.tables) - restricted} analytics and {restricted} restricted "
                  f"tables to {result.serving_db}" + (f" (+ Parquet in {result.parquet_dir})"
                                                      if result.parquet_dir else ""))


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
        clv, seconds = pipeline.timed(_clv, as_of)
        record.steps["clv"] = {"seconds": seconds, "result": clv}
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
