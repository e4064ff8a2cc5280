"""Load a folder of dropped vendor export files into the raw tables: ``load_drops``.

1. **Find** the files (the folder flat, or per-vendor subfolders; :mod:`ingestion.file_drops.discover`).
2. **Skip** a file whose content (sha256) was processed before, under any name.
3. **Detect and convert every file first**, entirely in memory (:mod:`ingestion.file_drops.convert`):
   a file that is not what it claims to be (unknown layout, missing headings, wrong delimiter,
   binary, truncated JSON, an encoding that cannot be trusted) is rejected with the file and the
   problem, moved to ``rejected/`` with a ``.reason.txt`` beside it, and nothing from it is written
   anywhere.
4. **Write** each converted table as Parquet into the conversion area
   ``<pipelines_dir>/file_drops/<system>/<table>/<file-stem>-<sha8>.parquet``; the content depends
   only on the file (and its modification time, for exports without timestamps).
5. **Load** each vendor with the shared loader (:func:`ingestion.load.load_landing`): contract
   checks with quarantine, newest version wins, each Parquet file once (by sha256, remembered in
   the same dlt load package as its rows), and load packages an interrupted run left are finished
   first. Should the loader refuse a vendor's batch, the files are retried one at a time, so only
   the file at fault is rejected; the loader lands all of a batch or none of it.
6. **Record** the loaded files in ``raw_file_drops.processed_files`` once the loader confirmed
   every one of their Parquet files loaded (or loaded before), and clear the conversion area (no
   copy of customer rows is kept outside the warehouse).

**Crash-safe.** A run killed at any point leaves no file recorded whose rows did not land: the
record is written only after dlt confirmed the load packages ``loaded``. The next run converts the
unrecorded files again (the same bytes), finishes any pending package, lets the loader skip the
Parquet files a finished package already carried, and records them: every file lands exactly once.
Loading the same export twice changes nothing: step 2 skips it, and even if its record were lost,
the loader's own sha256 check and the merge keys would.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.contracts import load_contracts
from ingestion.contract_check import connect_duckdb
from ingestion.errors import LandingFileError
from ingestion.file_drops.convert import (
    PARQUET_OPTIONS,
    Conversion,
    convert_file,
    converted_files,
    converted_name,
    write_conversion,
)
from ingestion.file_drops.discover import (
    IGNORED_SUFFIXES,
    PARTIAL_DOWNLOAD_SUFFIXES,
    drop_files,
    file_sha256,
    owner_system,
    system_folder,
)
from ingestion.file_drops.processed import ProcessedFile, processed_files, record_processed
from ingestion.file_drops.rejected import move_rejected
from ingestion.file_drops.result import DroppedFile, DropResult, RejectedFile, SkippedFile
from ingestion.load import LoadResult, load_landing

Progress = Callable[[str], None]

CONVERSION_DIR = "file_drops"
"""Folder under ``pipelines_dir`` where converted Parquet files wait for the loader."""

__all__ = [
    "CONVERSION_DIR",
    "IGNORED_SUFFIXES",
    "PARQUET_OPTIONS",
    "PARTIAL_DOWNLOAD_SUFFIXES",
    "Conversion",
    "DropResult",
    "DroppedFile",
    "RejectedFile",
    "SkippedFile",
    "convert_file",
    "converted_name",
    "drop_files",
    "file_sha256",
    "load_drops",
    "merge_load_results",
]


def load_drops(
    drop_dir: Path,
    warehouse: Path,
    pipelines_dir: Path,
    progress: Progress | None = None,
    *,
    systems: Iterable[str] | None = None,
    force: bool = False,
    move_rejected_files: bool = True,
) -> DropResult:
    """Convert and load every new vendor export file in ``drop_dir``; see the module docstring.

    A rejected file does not stop the run: the others still load, and the result lists each
    rejected file with its problem and where it was moved (``result.ok`` is False).
    ``systems`` limits the run to those vendors' files: their subfolders, and the flat files
    attributed to them (:func:`ingestion.file_drops.discover.owner_system`), for one run per vendor
    as the landing sensor starts them. ``force`` reprocesses files already recorded as loaded (the
    merge keys keep that free of duplicates). ``move_rejected_files=False`` leaves rejected files
    where they are. ``warehouse`` must not be open for writing by another process.
    """
    started = time.perf_counter()
    say = progress or (lambda _message: None)
    drop_dir, warehouse, pipelines_dir = Path(drop_dir), Path(warehouse), Path(pipelines_dir)
    wanted = None if systems is None else set(systems)
    unknown = sorted((wanted or set()) - set(load_contracts()))
    if unknown:
        raise ValueError(f"no landing contract for system(s) {', '.join(unknown)}")
    area = pipelines_dir / CONVERSION_DIR
    for system in sorted(wanted or load_contracts()):  # copies a killed run may have left
        shutil.rmtree(area / system, ignore_errors=True)
    result = DropResult()
    run = _Run(drop_dir, result, say, datetime.now(UTC), move_rejected_files)
    known = {} if force else processed_files(warehouse)
    conversions = _convert_all(run, known, wanted)
    loads: list[LoadResult] = []
    for system in sorted({c.system for c in conversions}):
        batch = [c for c in conversions if c.system == system]
        landed, refused, results = _load_system(system, batch, area, warehouse, pipelines_dir, force, say)
        _confirm(system, landed, results)
        record_processed(warehouse, [ProcessedFile(c.sha256, c.file, c.format, c.system, c.rows,
                                                   c.dropped().tables, run.now, encoding=c.encoding,
                                                   duplicate_lines=c.duplicate_lines) for c in landed])
        result.loaded.extend(c.dropped() for c in landed)
        for conversion, problem in refused:
            run.reject(conversion.file, problem, conversion.system, conversion.sha256)
        loads.extend(results)
    result.load = merge_load_results(loads)
    result.seconds = round(time.perf_counter() - started, 3)
    say(f"file drops: {len(result.loaded)} loaded, {len(result.skipped)} skipped (seen before), "
        f"{len(result.rejected)} rejected, {len(result.ignored)} ignored in {result.seconds:.1f} s")
    return result


class _Run:
    """One ``load_drops`` call's bookkeeping: where files are, what to tell, where rejected files go."""

    def __init__(self, drop_dir: Path, result: DropResult, say: Progress, now: datetime, move: bool) -> None:
        self.drop_dir, self.result, self.say, self.now, self.move = drop_dir, result, say, now, move

    def reject(self, relative: str, problem: str, system: str | None, sha256: str | None = None) -> None:
        """Record a rejected file and move it to ``rejected/`` with its reason."""
        moved = move_rejected(self.drop_dir, relative, problem, self.now, sha256) if self.move else None
        rejected = RejectedFile(relative, problem, moved.moved_to if moved else None,
                                moved.reason_file if moved else None, system)
        self.result.rejected.append(rejected)
        where = f" (moved to {moved.moved_to})" if moved and moved.moved_to else (
            f" ({moved.note})" if moved and moved.note else "")
        self.say(f"{relative}: rejected: {problem}{where}")


def _convert_all(run: _Run, known: dict[str, ProcessedFile], systems: set[str] | None) -> list[Conversion]:
    """Detect and convert every new file; record skipped, ignored and rejected ones in the result."""
    conversions: list[Conversion] = []
    this_run: dict[str, str] = {}
    con = connect_duckdb()
    try:
        for path, kind in drop_files(run.drop_dir):
            relative = path.relative_to(run.drop_dir).as_posix()
            folder = system_folder(run.drop_dir, path)
            if kind == "ignored":
                if systems is None or folder in systems:
                    run.result.ignored.append(relative)
                continue
            try:
                digest = file_sha256(path)
            except OSError as error:
                if systems is None or folder in systems:
                    run.reject(relative, f"cannot be read ({error.strerror or error})", folder)
                continue
            owner = known[digest].system if digest in known else owner_system(run.drop_dir, path)
            if systems is not None and owner not in systems:
                continue  # another vendor's run reads it
            if digest in known or digest in this_run:
                seen = known[digest].file_name if digest in known else this_run[digest]
                when = f" on {known[digest].loaded_at:%Y-%m-%d %H:%M} UTC" if digest in known else " in this run"
                run.result.skipped.append(SkippedFile(relative, digest, f"same content as {seen}, loaded{when}"))
                run.say(f"{relative}: skipped, same content as {seen} (loaded{when})")
                continue
            conversion = _convert(run, con, path, relative, digest, folder, owner)
            if conversion is not None:
                this_run[digest] = relative
                conversions.append(conversion)
    finally:
        con.close()
    return conversions


def _convert(run: _Run, con: duckdb.DuckDBPyConnection, path: Path, relative: str, digest: str,
             folder: str | None, owner: str) -> Conversion | None:
    """Convert one file; a rejected file is recorded (and moved) and None returned."""
    try:
        conversion = convert_file(con, path, relative, digest, folder)
    except LandingFileError as error:
        run.reject(relative, error.problem, owner, digest)
        return None
    except OSError as error:
        run.reject(relative, f"cannot be read ({error.strerror or error})", owner, digest)
        return None
    counts = ", ".join(f"{conversion.system}/{name} {t.num_rows:,}" for name, t in conversion.tables.items())
    notes = []
    if conversion.duplicate_lines:
        notes.append(f"{conversion.duplicate_lines:,} exact duplicate line(s) removed")
    if conversion.dropped().encoding_converted:
        notes.append(f"converted from {conversion.encoding} to UTF-8")
    run.say(f"{relative}: {conversion.format}, {conversion.rows:,} row(s) -> {counts or 'no rows'}"
            + (f" ({'; '.join(notes)})" if notes else ""))
    return conversion


def _confirm(system: str, landed: list[Conversion], results: list[LoadResult]) -> None:
    """Every Parquet file of the landed conversions was loaded now, or found loaded before."""
    seen = {f for r in results for f in (*r.files_loaded, *r.files_skipped)}
    unconfirmed = [f for c in landed for f in converted_files(c) if f not in seen]
    if unconfirmed:
        raise RuntimeError(f"{system}: the loader did not confirm {', '.join(unconfirmed)}; "
                           "nothing was recorded as processed, the next run retries")


def _load_system(
    system: str,
    batch: list[Conversion],
    area: Path,
    warehouse: Path,
    pipelines_dir: Path,
    force: bool,
    say: Progress,
) -> tuple[list[Conversion], list[tuple[Conversion, str]], list[LoadResult]]:
    """Load one vendor's converted files: together, else one at a time. (landed, refused, results)."""
    try:
        return batch, [], [_load_batch(system, batch, area, warehouse, pipelines_dir, force, say)]
    except LandingFileError as error:
        if len(batch) == 1:
            return [], [(batch[0], f"rejected by the loader: {error.problem}")], []
        say(f"{system}: the loader refused the batch ({error.problem}); retrying one file at a time")
    landed: list[Conversion] = []
    refused: list[tuple[Conversion, str]] = []
    results: list[LoadResult] = []
    for conversion in batch:
        one_landed, one_refused, one_results = _load_system(system, [conversion], area, warehouse, pipelines_dir,
                                                            force, say)
        landed += one_landed
        refused += one_refused
        results += one_results
    return landed, refused, results


def _load_batch(system: str, batch: list[Conversion], area: Path, warehouse: Path, pipelines_dir: Path,
                force: bool, say: Progress) -> LoadResult:
    """Write the batch into an otherwise empty conversion folder, load it, clear the folder."""
    shutil.rmtree(area / system, ignore_errors=True)
    try:
        for conversion in batch:
            write_conversion(conversion, area)
        return load_landing(area, warehouse, pipelines_dir, systems=[system], force=force, progress=say)
    finally:
        shutil.rmtree(area / system, ignore_errors=True)


def merge_load_results(results: list[LoadResult]) -> LoadResult:
    """One :class:`LoadResult` summing several per-vendor results."""
    merged = LoadResult()
    for result in results:
        for name in ("landed", "superseded", "stale"):
            target = getattr(merged, name)
            for key, value in getattr(result, name).items():
                target[key] = target.get(key, 0) + value
        for key, reasons in result.quarantined.items():
            target_reasons = merged.quarantined.setdefault(key, {})
            for reason, count in reasons.items():
                target_reasons[reason] = target_reasons.get(reason, 0) + count
        for key, columns in result.extra_columns.items():
            merged.extra_columns[key] = sorted(set(merged.extra_columns.get(key, [])) | set(columns))
        merged.table_rows.update(result.table_rows)
        merged.files_loaded += result.files_loaded
        merged.files_skipped += result.files_skipped
        merged.files_ignored += result.files_ignored
        merged.load_ids += result.load_ids
        merged.resumed_packages += result.resumed_packages
        merged.rows_read += result.rows_read
        merged.seconds = round(merged.seconds + result.seconds, 3)
        for system, seconds in result.system_seconds.items():
            merged.system_seconds[system] = round(merged.system_seconds.get(system, 0.0) + seconds, 3)
    return merged
