"""Load the landing folder into the build warehouse: one dlt pipeline per system.

``load_landing`` is the door the CLI and Dagster use. It runs ``cdw_<system>`` pipelines (dataset
``raw_<system>``, DuckDB destination) over :func:`ingestion.landing_source.landing_source`, Arrow
end to end, and returns what landed, what was quarantined and why, and which files were skipped
because they had been loaded before.

**Bounded memory.** Each system's new files are checked and reduced in a DuckDB work database
that spills to disk beyond its limit (:mod:`ingestion.landing_work`) and reach dlt in batches, so
memory does not grow with the files.

**Crash-safe.** A run killed part-way leaves a dlt load package behind (extracted, normalized or
partly loaded). dlt's own ``run`` would then load that package *instead of* extracting the new
data (and only warn). :func:`run_pipeline` first finishes such packages (normalize, load), then
extracts and loads the new data in the same call, and confirms every package reached the
``loaded`` state. The files a package carries are remembered (source state, by sha256) in that
same package, so a file counts as loaded exactly when its rows did.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dlt
import duckdb
from dlt.common.pipeline import LoadInfo
from dlt.common.schema.exceptions import DataValidationError
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials
from dlt.pipeline.exceptions import PipelineStepFailed

from core.contracts import SystemContract, load_contracts
from core.resources import duckdb_resources
from core.sql import quote_relation
from ingestion.errors import LandingFileError
from ingestion.landing_source import QUARANTINE_TABLE, LandingReader, SourceReport, reader_source, table_files

Progress = Callable[[str], None]


@dataclass
class LoadResult:
    """What one ``load_landing`` call did. Table keys are qualified: ``raw_<system>.<table>``."""

    landed: dict[str, int] = field(default_factory=dict)
    """Rows written per table this run (newest version per key; skipped files contribute nothing)."""
    quarantined: dict[str, dict[str, int]] = field(default_factory=dict)
    """Distinct rows quarantined this run, per table and reason."""
    table_rows: dict[str, int] = field(default_factory=dict)
    """Row count of every raw table (and ``raw_<system>.quarantine``) after the run."""
    superseded: dict[str, int] = field(default_factory=dict)
    """Valid rows not landed because a newer version (or an exact duplicate) came in the same run."""
    stale: dict[str, int] = field(default_factory=dict)
    """Valid rows not landed because the warehouse already held a newer version of the key."""
    extra_columns: dict[str, list[str]] = field(default_factory=dict)
    """Columns not in the contract, kept in the raw table (schema contract ``columns: evolve``)."""
    files_loaded: list[str] = field(default_factory=list)
    files_skipped: list[str] = field(default_factory=list)
    """Files not read because a file with the same content (sha256) was loaded before."""
    files_ignored: list[str] = field(default_factory=list)
    """Files in a system's landing folder that belong to no contract table (named wrong?)."""
    rows_read: int = 0
    seconds: float = 0.0
    system_seconds: dict[str, float] = field(default_factory=dict)
    load_ids: list[str] = field(default_factory=list)
    """dlt load packages this call loaded (and confirmed ``loaded``), resumed ones included."""
    resumed_packages: list[str] = field(default_factory=list)
    """Load packages an interrupted earlier run left behind, finished by this call before extracting."""

    @property
    def rows_landed(self) -> int:
        return sum(self.landed.values())

    @property
    def rows_quarantined(self) -> int:
        return sum(sum(reasons.values()) for reasons in self.quarantined.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (for run logs and benchmarks)."""
        return {**asdict(self), "rows_landed": self.rows_landed, "rows_quarantined": self.rows_quarantined}


def load_landing(
    landing_dir: Path,
    warehouse: Path,
    pipelines_dir: Path,
    systems: list[str] | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> LoadResult:
    """Load every new landing file of the given systems (default: all with a landing folder).

    Raises :class:`LandingFileError` (naming the file and the problem) when a file is not readable
    Parquet, lacks a required column, has two columns landing under one name, or brings a column
    whose type differs from what already landed. That system's run then loads nothing (and
    remembers no file as loaded); systems loaded earlier in the call stay loaded. Rows breaking a
    contract rule do not stop the run: they go to ``raw_<system>.quarantine``.

    ``warehouse`` must not be open for writing by another process (DuckDB allows one writer).
    """
    keep_dlt_quiet()
    say = progress or (lambda _message: None)
    contracts = load_contracts()
    chosen = _choose_systems(contracts, Path(landing_dir), systems)
    Path(warehouse).parent.mkdir(parents=True, exist_ok=True)
    run_at = datetime.now(UTC)
    result = LoadResult()
    started = time.perf_counter()
    for system in chosen:
        if not (Path(landing_dir) / system).is_dir():
            say(f"{system}: no landing folder, nothing to load")
            continue
        ignored = unexpected_files(Path(landing_dir), contracts[system])
        if ignored:
            say(f"{system}: ignoring {len(ignored)} file(s) that match no contract table: {', '.join(ignored)}")
            result.files_ignored.extend(ignored)
        system_started = time.perf_counter()
        report, run = _run_system(contracts[system], Path(landing_dir), Path(warehouse), Path(pipelines_dir),
                                  force=force, run_at=run_at, say=say)
        _collect(result, contracts[system], report)
        result.load_ids.extend(run.load_ids)
        result.resumed_packages.extend(run.resumed)
        result.system_seconds[system] = round(time.perf_counter() - system_started, 3)
        say(_system_summary(system, report, result.system_seconds[system]))
    result.table_rows = count_raw_rows(Path(warehouse), [contracts[s] for s in chosen])
    result.seconds = round(time.perf_counter() - started, 3)
    return result


DLT_DEFAULTS = {
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    "LOAD__DELETE_COMPLETED_JOBS": "true",
    "LOAD__TRUNCATE_STAGING_DATASET": "true",
}
"""dlt settings for a customer-data pipeline; an operator's explicit environment setting wins.

No anonymous usage telemetry; no copies of customer rows left behind once they are loaded (dlt
would otherwise keep every loaded Parquet job under ``pipelines_dir`` and the last batch in the
``raw_<system>_staging`` tables of the warehouse).
"""


class _DeclaredDeduplicated(logging.Filter):
    """Drops dlt's warnings that a ``dedup_sort`` hint is ignored on a landing load (declared
    deduplicated, or appended to an empty table, see :func:`run_pipeline`): the hint is there for
    the API loads of the same table."""

    IGNORED = ("declared as already deduplicated", 'is only applied when using the "merge" write disposition')

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(text in message for text in self.IGNORED)


def keep_dlt_quiet() -> None:
    for key, value in DLT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    dlt_log = logging.getLogger("dlt")
    if not any(isinstance(f, _DeclaredDeduplicated) for f in dlt_log.filters):
        dlt_log.addFilter(_DeclaredDeduplicated())


def _choose_systems(contracts: dict[str, SystemContract], landing_dir: Path, systems: list[str] | None) -> list[str]:
    if systems is None:
        return [s for s in sorted(contracts) if (landing_dir / s).is_dir()]
    unknown = sorted(set(systems) - set(contracts))
    if unknown:
        known = ", ".join(sorted(contracts))
        raise ValueError(f"no landing contract for system(s) {', '.join(unknown)}; known: {known}")
    return list(dict.fromkeys(systems))


def unexpected_files(landing_dir: Path, contract: SystemContract) -> list[str]:
    """Files under ``<landing>/<system>/`` that no table of the contract reads (hidden files aside)."""
    system_dir = landing_dir / contract.system
    read = {p for t in contract.tables for p in table_files(system_dir, t.name)}
    return sorted(p.relative_to(landing_dir).as_posix() for p in system_dir.rglob("*")
                  if p.is_file() and p not in read and not p.name.startswith("."))


def make_pipeline(system: str, dataset: str, warehouse: Path, pipelines_dir: Path) -> dlt.Pipeline:
    """The ``cdw_<system>`` pipeline: DuckDB at ``warehouse``, dataset ``raw_<system>``."""
    return dlt.pipeline(
        pipeline_name=f"cdw_{system}",
        destination=dlt.destinations.duckdb(credentials=DuckDbCredentials(
            str(warehouse), global_config=duckdb_resources(warehouse).settings())),
        dataset_name=dataset,
        pipelines_dir=str(pipelines_dir),
    )


@dataclass(frozen=True)
class PipelineRun:
    """The dlt load packages one :func:`run_pipeline` call loaded."""

    pipeline: dlt.Pipeline
    """The pipeline instance that ran the source (its ``last_trace`` describes the new load)."""
    load_ids: list[str]
    """Every package confirmed ``loaded`` (resumed ones first)."""
    resumed: list[str]
    """Packages an interrupted earlier run had left pending."""


STAGE_DEDUPLICATED = "x-stage-data-deduplicated"
"""dlt's table hint: the staged rows hold each primary key once, so the merge skips its own dedup."""
FIRST_LOAD = "x-cdw-first-load"
"""Our table hint: the package appends this merge table's rows because the table held none when the
load began (see :func:`run_pipeline`); a resumed package's double copies are removed (:func:`drop_double_copies`)."""
APPEND = "append"


def run_pipeline(new_pipeline: Callable[[], dlt.Pipeline], source: Any, say: Progress | None = None,
                 *, deduplicated: bool = False, warehouse: Path | None = None) -> PipelineRun:
    """Finish what an interrupted run left pending, then extract, normalize and load ``source``.

    ``new_pipeline`` makes the pipeline object (it is made twice when packages were pending, so the
    second instance re-reads the state those packages carried into the warehouse). Raises when a
    package does not end ``loaded`` (dlt's :class:`PipelineStepFailed`, or :class:`RuntimeError`).

    ``deduplicated``: every resource yields each primary key once per load (the landing reader
    reduces its files to the newest version per key before dlt sees them), so dlt's merge need not
    number and filter the staged rows again: at a million customers that window over every staged
    row was most of the load's time and memory. It is stamped on every table of ``source`` either
    way: the landing files and the vendor's API share one dlt schema per system, and an API page
    may repeat a key.

    With ``deduplicated`` and the DuckDB ``warehouse`` file, a merge table that holds no row yet
    (a first load: a new seller, a new table) is appended to instead: with one row per key and
    nothing to replace, a merge is an append that first copies every row to a staging table. At a
    million customers that copy was a third of the load.
    """
    say = say or (lambda _message: None)
    for resource in source.resources.values():
        resource.apply_hints(additional_table_hints={STAGE_DEDUPLICATED: deduplicated, FIRST_LOAD: False})
    pipeline = new_pipeline()
    remove_interrupted_writes(pipeline, say)
    resumed = finish_pending_packages(pipeline, say)
    if resumed:
        pipeline = new_pipeline()
    if deduplicated and warehouse is not None:
        append_to_empty_tables(source, warehouse, pipeline.dataset_name)
    info = pipeline.run(source)
    return PipelineRun(pipeline=pipeline, load_ids=[*resumed, *confirmed_loaded(info)], resumed=resumed)


def append_to_empty_tables(source: Any, warehouse: Path, dataset: str) -> list[str]:
    """Switch the merge resources of ``source`` whose table in ``dataset`` holds no row to append; their names.

    Decided after pending packages were finished (they may have filled a table), in the one process
    that writes the warehouse.
    """
    merging = {name: resource for name, resource in source.resources.items()
               if _disposition(resource) == "merge" and isinstance(resource.table_name, str)}
    if not merging or not Path(warehouse).is_file():
        empty = list(merging)
    else:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            present = {name for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = ?",
                [dataset]).fetchall()}
            filled = {name for name in present & {r.table_name for r in merging.values()}
                      if con.execute(f"select count(*) from (select 1 from {quote_relation(f'{dataset}.{name}')} "
                                     "limit 1)").fetchall()[0][0]}
        empty = [name for name, resource in merging.items() if resource.table_name not in filled]
    for name in empty:
        merging[name].apply_hints(write_disposition=APPEND, additional_table_hints={FIRST_LOAD: True})
    return empty


def _disposition(resource: Any) -> str:
    """A resource's write disposition (dlt keeps the merge strategy with it: ``{"disposition": ...}``)."""
    declared = resource.write_disposition
    return declared.get("disposition", "") if isinstance(declared, dict) else str(declared)


_DLT_TEMP_NAME = re.compile(r"[0-9a-f]{16}")
"""How dlt names an extract in progress (a folder) and a file being saved atomically (written under
a random name in the storage's root, then renamed)."""


def remove_interrupted_writes(pipeline: dlt.Pipeline, say: Progress) -> list[Path]:
    """Delete what runs killed mid-write left in the pipeline's working folder; the paths deleted.

    dlt extracts into ``<working_dir>/normalize/<random id>/`` and moves the package to
    ``normalize/extracted/`` when extraction completes; a run killed before that leaves the folder,
    with copies of customer rows, which nothing would ever read or delete. Likewise every state,
    schema and job-state file dlt writes goes first to a randomly named file in the root of its
    storage (the working folder, ``schemas``, ``normalize/*``, ``load/*``) and is then renamed: a
    kill between the two leaves that file. Only one process writes a pipeline at a time (DuckDB
    allows one writer), so such a folder or file at the start of a run is abandoned.
    """
    working = Path(pipeline.working_dir)
    extracting = working / "normalize"
    extracts = [p for p in _temp_named(extracting) if p.is_dir()]
    loading = [working / "load" / folder for folder in ("new", "normalized", "loaded")]
    storages = [working, working / "schemas", extracting, *loading]
    if extracting.is_dir():
        storages += [p for p in extracting.iterdir() if p.is_dir() and p not in extracts]
    half_saved = [p for storage in storages for p in _temp_named(storage) if p.is_file()]
    for path in extracts:
        shutil.rmtree(path, ignore_errors=True)
    for path in half_saved:
        path.unlink(missing_ok=True)
    if extracts or half_saved:
        say(f"{pipeline.pipeline_name}: removed {len(extracts)} unfinished extract(s) and {len(half_saved)} "
            "half-saved file(s) a failed or killed run left")
    return sorted(extracts + half_saved)


def _temp_named(folder: Path) -> list[Path]:
    """What ``folder`` holds under a name dlt gives work in progress (none when it does not exist)."""
    return [p for p in folder.iterdir() if _DLT_TEMP_NAME.fullmatch(p.name)] if folder.is_dir() else []


def finish_pending_packages(pipeline: dlt.Pipeline, say: Progress) -> list[str]:
    """Normalize and load the packages a killed run left (extracted or normalized); their load ids.

    dlt resumes a partly loaded package job by job; merge tables (every contract table) go through
    a staging table and one merge statement keyed by the primary key. A job can reach the staging
    table twice (the kill fell between its copy and dlt's record of it; dlt does not empty the
    staging tables of a package it resumes), so every resumed package loads with the merge's own
    dedup, whatever its tables declared (:func:`stage_dedup_on_resume`). A table the package
    appended to (it was empty, :data:`FIRST_LOAD`) gets the same job twice in the table itself: the
    double copy is removed once the package is loaded (:func:`drop_double_copies`).
    """
    if not pipeline.has_pending_data:
        return []
    pending = sorted({*pipeline.list_extracted_load_packages(), *pipeline.list_normalized_load_packages()})
    say(f"{pipeline.pipeline_name}: finishing {len(pending)} load package(s) an interrupted run left "
        f"({', '.join(pending)}) before reading anything new")
    if pipeline.list_extracted_load_packages():
        pipeline.normalize()
    stage_dedup_on_resume(pipeline)
    appended = first_loads_pending(pipeline)
    info = pipeline.load()
    loaded = confirmed_loaded(info)
    if appended:
        drop_double_copies(pipeline, appended)
    if pipeline.has_pending_data:
        raise RuntimeError(f"{pipeline.pipeline_name}: load packages still pending after resuming: "
                           f"{', '.join(sorted(pipeline.list_normalized_load_packages()))}")
    return sorted(set(pending) | set(loaded))


def stage_dedup_on_resume(pipeline: dlt.Pipeline) -> list[str]:
    """Clear the "staged rows are deduplicated" declaration in every normalized package; their ids.

    dlt's merge reads the declaration from the package's own schema when it loads it, so this
    holds for the packages pending now and for nothing loaded later.
    """
    packages = pipeline._get_load_storage().normalized_packages  # noqa: SLF001 - dlt has no public handle
    changed = []
    for load_id in pipeline.list_normalized_load_packages():
        schema = packages.load_schema(load_id)
        declared = [t for t in schema.tables.values() if t.get(STAGE_DEDUPLICATED)]
        for table in declared:
            table[STAGE_DEDUPLICATED] = False  # type: ignore[literal-required]
        if declared:
            packages.save_schema(load_id, schema)
            changed.append(load_id)
    return changed


def first_loads_pending(pipeline: dlt.Pipeline) -> dict[str, list[str]]:
    """Tables the normalized packages append because they were empty (:data:`FIRST_LOAD`) -> their key columns."""
    packages = pipeline._get_load_storage().normalized_packages  # noqa: SLF001 - dlt has no public handle
    tables: dict[str, list[str]] = {}
    for load_id in pipeline.list_normalized_load_packages():
        for name, table in packages.load_schema(load_id).tables.items():
            if table.get(FIRST_LOAD):
                tables[name] = [c["name"] for c in table.get("columns", {}).values() if c.get("primary_key")]
    return tables


def drop_double_copies(pipeline: dlt.Pipeline, tables: dict[str, list[str]]) -> int:
    """Keep one row per key in tables a resumed package appended to; the rows deleted.

    Such a table was empty when its package began and the package holds each key once, so a key
    held twice is one job copied twice (the kill fell between its copy and dlt's record of it).
    """
    deleted = 0
    with pipeline.sql_client() as client:
        for name, keys in tables.items():
            if not keys:
                continue
            table = client.make_qualified_table_name(name)
            partition = ", ".join(client.escape_column_name(k) for k in keys)
            rows = client.execute_sql(
                f"DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM (SELECT rowid, row_number() OVER "
                f"(PARTITION BY {partition} ORDER BY rowid) AS copy FROM {table}) WHERE copy > 1) RETURNING 1")
            deleted += len(rows or [])
    return deleted


def confirmed_loaded(info: LoadInfo | None) -> list[str]:
    """The load ids of ``info``; :class:`RuntimeError` unless every package ended ``loaded`` without failed jobs."""
    if info is None:
        return []
    info.raise_on_failed_jobs()
    unfinished = [f"{p.load_id} ({p.state})" for p in info.load_packages if p.state != "loaded"]
    if unfinished:
        raise RuntimeError(f"{info.pipeline.pipeline_name}: load package(s) not loaded: {', '.join(unfinished)}")
    return list(info.loads_ids)


def _run_system(
    contract: SystemContract,
    landing_dir: Path,
    warehouse: Path,
    pipelines_dir: Path,
    *,
    force: bool,
    run_at: datetime,
    say: Progress,
) -> tuple[SourceReport, PipelineRun]:
    report = SourceReport(contract.system)
    reader = LandingReader(contract, landing_dir, force=force, warehouse=warehouse, run_at=run_at, report=report)
    say(f"{contract.system}: reading {landing_dir / contract.system}" + (" (forced)" if force else ""))
    try:
        run = run_pipeline(lambda: make_pipeline(contract.system, contract.schema, warehouse, pipelines_dir),
                           reader_source(reader), say, deduplicated=True, warehouse=warehouse)
    except PipelineStepFailed as failure:
        cause = _landing_error(failure, landing_dir, report)
        if cause is not None:
            raise cause from failure
        raise
    finally:
        reader.close()  # the work database holds copies of customer rows (and may have spilled them)
    return report, run


def _causes(error: BaseException) -> list[BaseException]:
    """The exception and the chain of causes dlt wrapped around it."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _landing_error(error: BaseException, landing_dir: Path, report: SourceReport) -> LandingFileError | None:
    """The file-level problem behind a failed dlt step, if it is one.

    Either our own :class:`LandingFileError`, or dlt's frozen ``data_type`` contract refusing a
    column whose type changed: that is blamed on the table's files read in this run.
    """
    for cause in _causes(error):
        if isinstance(cause, LandingFileError):
            return cause
        if isinstance(cause, DataValidationError) and cause.schema_entity == "data_type":
            files = report.table(cause.table_name).files_loaded
            where = landing_dir / files[-1] if files else landing_dir / report.system
            return LandingFileError(
                where,
                f"column {cause.column_name!r} of {cause.table_name} arrives with a different type than "
                f"already landed (schema contract data_type: {cause.contract_mode}); files: {', '.join(files)}",
            )
    return None


def _collect(result: LoadResult, contract: SystemContract, report: SourceReport) -> None:
    for name, table in report.tables.items():
        if not table.files_loaded and not table.files_skipped:
            continue  # no landing file for this table
        key = f"{contract.schema}.{name}"
        result.landed[key] = table.rows_landed
        result.superseded[key] = table.rows_superseded
        result.stale[key] = table.rows_stale
        if table.quarantine_reasons:
            result.quarantined[key] = dict(sorted(table.quarantine_reasons.items()))
        if table.extra_columns:
            result.extra_columns[key] = table.extra_columns
        result.files_loaded.extend(table.files_loaded)
        result.files_skipped.extend(table.files_skipped)
        result.rows_read += table.rows_read


def _system_summary(system: str, report: SourceReport, seconds: float) -> str:
    tables = report.tables.values()
    loaded = sum(len(t.files_loaded) for t in tables)
    skipped = sum(len(t.files_skipped) for t in tables)
    landed = sum(t.rows_landed for t in tables)
    quarantined = sum(t.quarantined for t in tables)
    return (f"{system}: {loaded} file(s) loaded, {skipped} skipped (already loaded); "
            f"{landed:,} row(s) landed, {quarantined:,} quarantined in {seconds:.1f} s")


def count_raw_rows(warehouse: Path, contracts: list[SystemContract]) -> dict[str, int]:
    """Rows in every existing raw table of the given systems, read from the warehouse file."""
    if not warehouse.is_file():
        return {}
    wanted = {(c.schema, t.name) for c in contracts for t in c.tables}
    wanted |= {(c.schema, QUARANTINE_TABLE) for c in contracts}
    counts: dict[str, int] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        present = set(con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall())
        for schema, table in sorted(wanted & present):
            relation = f"{schema}.{table}"
            counts[relation] = con.execute(f"SELECT count(*) FROM {quote_relation(relation)}").fetchall()[0][0]
    return counts
