"""An erasure request from start to end: the warehouse, the files, the rebuild, the serving copy.

:func:`erase_person` is what ``cdw privacy erase`` runs:

1. refuse while an interrupted ingest left dlt load packages (the next ingest would load them,
   person included): finish that ingest first;
2. find the person (:func:`cdw.privacy.find_subject`), note what identifies them in files
   (:func:`cdw.scrub.collect_traces`), then erase them from the build warehouse, queue deletions at
   destinations and record hashes (:func:`cdw.privacy.erase_subject`);
3. rewrite the canonical landing files without them (:func:`cdw.scrub.rewrite_landing_tables`), so
   no later ingest, ``--force`` included, brings them back; purge their access-request exports;
4. compact the build warehouse (deleted rows linger in a DuckDB file's free blocks);
5. rebuild (dbt, in a child process), check and publish, so marts and the serving copy follow, and
   compact again: tables the erasure missed but the rebuild replaced leave their old blocks free;
6. whatever happened in 5, remove them from every other file under ``CDW_HOME``
   (:func:`cdw.scrub.scrub_home`): vendor exports, truth, logs, run artifacts, other databases.

The identifier itself never reaches dbt (its ``sys.argv`` is its own, its vars carry no address)
or a log: requests are logged by hash, and screens show it masked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from cdw import privacy, retention, scrub
from cdw.lock import run_lock
from cdw.publish import PublishRefused, clean_stale_publish_files, publish
from cdw.records import latest_run
from core.settings import Paths

Progress = Callable[[str], None]


class ErasureBlocked(RuntimeError):
    """The erasure cannot start yet; the message says what to do first."""


@dataclass
class EraseOutcome:
    label: str  # the identifier, masked
    request: privacy.RequestResult | None = None
    landing: dict[Path, int] = field(default_factory=dict)  # landing file -> rows removed
    exports_purged: list[Path] = field(default_factory=list)
    files: scrub.ScrubReport = field(default_factory=scrub.ScrubReport)
    rebuilt: bool = False
    published: bool = False
    not_published: str | None = None  # why the serving copy was not republished
    cancelled: bool = False


def housekeeping(paths: Paths) -> tuple[list[Path], list[Path]]:
    """What every privacy command does first: expired exports and crashed-publish files go."""
    return retention.purge_expired_exports(paths), clean_stale_publish_files(paths)


_CHILD_BUILD = """
import json, sys
from cdw.context import make_context
from cdw.records import latest_run
from cdw.steps.build import build_args
from core.dbt import DbtError, run_dbt
last = latest_run(make_context(source="drops").paths)  # the last run says the source and as-of to rebuild with
ctx = make_context(source=(last.source if last and last.source else "drops"), as_of=last.as_of if last else None)
try:
    result = run_dbt(ctx.paths, build_args(ctx, "all"))
except DbtError as exc:
    print(json.dumps({"error": str(exc)}))
    sys.exit(0)
print(json.dumps({"success": result.success, "failures": result.failures}))
"""


def _dbt_build(paths: Paths) -> tuple[list[str], str | None]:
    """``dbt build`` in a child process: (failures, error). dbt-duckdb keeps the warehouse open for the
    life of the process that ran it, and the file is compacted (replaced) afterwards."""
    env = {**os.environ, "CDW_HOME": str(paths.home)}
    done = subprocess.run([sys.executable, "-c", _CHILD_BUILD], env=env,
                          capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return [], f"dbt build stopped (exit {done.returncode}): {done.stderr.strip()[-800:]}"
    result = json.loads(lines[-1])
    return result.get("failures", []), result.get("error")


def _rebuild_and_publish(paths: Paths, outcome: EraseOutcome, progress: Progress) -> None:
    from cdw.context import make_context
    from cdw.steps.check import check

    progress("rebuilding the marts without the person (dbt build)")
    failures, error = _dbt_build(paths)
    if error:
        outcome.not_published = f"dbt could not run: {error}"
        return
    outcome.rebuilt = True
    progress("checking the rebuilt warehouse (Great Expectations)")
    last = latest_run(paths)
    ctx = make_context(home=paths.home, source=last.source if last and last.source else "drops",
                       as_of=last.as_of if last else None)
    report = check(ctx)
    progress("publishing the serving copy")
    try:
        publish(paths, report.blocking_failures + [f"dbt {f}" for f in failures], ctx.run_id)
        outcome.published = True
    except PublishRefused as exc:
        outcome.not_published = str(exc)


def erase_person(paths: Paths, kind: str, value: str, *, rebuild: bool = True, compact: bool = True,
                 confirm: Callable[[privacy.Subject], bool] | None = None,
                 progress: Progress | None = None) -> EraseOutcome:
    """Erase one person everywhere under ``paths.home`` (see the module docstring for the order).

    Raises :class:`ErasureBlocked` (an interrupted ingest is pending, no build warehouse) or
    :class:`cdw.privacy.PrivacyRequestError` (an identifier that is not valid).
    """
    with run_lock(paths, "cdw privacy erase"):  # the erase rewrites the warehouses: one writer at a time
        return _erase(paths, kind, value, rebuild=rebuild, compact=compact, confirm=confirm,
                      progress=progress or (lambda message: None))


def _erase(paths: Paths, kind: str, value: str, *, rebuild: bool, compact: bool,
           confirm: Callable[[privacy.Subject], bool] | None, progress: Progress) -> EraseOutcome:
    outcome = EraseOutcome(label=f"{kind} {privacy.mask(value)}")
    housekeeping(paths)
    pending = scrub.pending_load_packages(paths)
    if pending:
        raise ErasureBlocked(f"an interrupted ingest left {len(pending)} dlt load package(s) in {paths.dlt_dir}; "
                             "they would load the person again: run `cdw ingest` to finish it, then erase")
    if not paths.build_db.exists():
        raise ErasureBlocked(f"no build warehouse at {paths.build_db}: run `cdw run` first")
    con = duckdb.connect(str(paths.build_db))
    try:
        subject = privacy.find_subject(con, kind, value)
        if confirm is not None and not confirm(subject):
            outcome.cancelled = True
            return outcome
        progress("erasing from the build warehouse")
        traces = scrub.collect_traces(con, subject)
        outcome.request = privacy.erase_subject(con, subject)
    finally:
        con.close()
    try:
        progress("rewriting landing files without the person")
        outcome.landing = scrub.rewrite_landing_tables([paths.demo_landing, paths.landing], subject)
        outcome.exports_purged = retention.purge_subject_exports(paths, privacy.subject_hashes(subject),
                                                                 traces.bytes_pattern())
        if compact and outcome.request.rows:
            progress("compacting the build warehouse")
            privacy.compact(paths.build_db)
        if rebuild and outcome.request.found:
            _rebuild_and_publish(paths, outcome, progress)
            if compact and outcome.rebuilt:  # the rebuilt tables' old versions sit in free blocks
                progress("compacting the rebuilt build warehouse")
                privacy.compact(paths.build_db)
    finally:
        progress("removing the person from every other file under the home")
        fresh = [paths.serving_db] if outcome.published else []  # just written from the erased build
        outcome.files = scrub.scrub_home(paths, traces, skip=fresh)
    return outcome
