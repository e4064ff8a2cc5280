"""Load a folder of dropped vendor export files into the raw tables: ``load_drops``.

1. **Find** the files (the folder flat, or per-vendor subfolders; hidden files, unfinished
   downloads and the canonical ``<system>/<table>.parquet`` landing files are left alone).
2. **Skip** a file whose content (sha256) was processed before, under any name.
3. **Detect and convert every file first**, entirely in memory: a file that is not what it claims
   to be (unknown layout, missing headings, wrong delimiter, binary, truncated JSON) is rejected
   with the file and the problem, and nothing from it is written anywhere.
4. **Write** each converted table as Parquet into the conversion area
   ``<pipelines_dir>/file_drops/<system>/<table>/<file-stem>-<sha8>.parquet``; the content depends
   only on the file (and its modification time, for exports without timestamps).
5. **Load** each vendor with the shared loader (:func:`ingestion.load.load_landing`): contract
   checks with quarantine, newest version wins, each Parquet file once (by sha256). Should the
   loader refuse a vendor's batch, the files are retried one at a time, so only the file at fault
   is rejected; the loader lands all of a batch or none of it.
6. **Record** the loaded files in ``raw_file_drops.processed_files`` and clear the conversion
   area (no copy of customer rows is kept outside the warehouse).

Loading the same export twice changes nothing: step 2 skips it, and even if its record were lost,
the loader's own sha256 check and the merge keys would.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from core.contracts import load_contracts
from ingestion.contract_check import connect_duckdb
from ingestion.errors import LandingFileError
from ingestion.file_drops.detect import detect
from ingestion.file_drops.processed import ProcessedFile, processed_files, record_processed
from ingestion.file_drops.read import opened
from ingestion.load import LoadResult, load_landing

Progress = Callable[[str], None]

CONVERSION_DIR = "file_drops"
"""Folder under ``pipelines_dir`` where converted Parquet files wait for the loader."""
IGNORED_SUFFIXES = (".parquet",)
"""Canonical landing files: the shared loader reads them (``cdw ingest``), not the drop reader."""
PARTIAL_DOWNLOAD_SUFFIXES = (".crdownload", ".part", ".partial", ".download", ".tmp")
PARQUET_OPTIONS: dict[str, Any] = {"compression": "zstd", "compression_level": 1, "write_statistics": True}


@dataclass(frozen=True)
class DroppedFile:
    """A file converted and loaded in this run."""

    file: str
    """Path relative to the drop folder."""
    sha256: str
    format: str
    system: str
    rows: int
    """Data rows in the file (lines after the heading, or JSON records)."""
    tables: dict[str, int]
    """Rows handed to the loader per raw table (``raw_shopify.orders``); the loader's own counts
    (landed, quarantined, superseded) are in :attr:`DropResult.load`."""


@dataclass(frozen=True)
class SkippedFile:
    """A file not read because its content was processed before."""

    file: str
    sha256: str
    reason: str


@dataclass
class DropResult:
    """What one ``load_drops`` call did."""

    loaded: list[DroppedFile] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    rejected: list[LandingFileError] = field(default_factory=list)
    """One error per rejected file: ``error.path`` (relative to the drop folder) and ``error.problem``."""
    ignored: list[str] = field(default_factory=list)
    """Files that are not exports to read: hidden, unfinished downloads, canonical Parquet landing files."""
    load: LoadResult = field(default_factory=LoadResult)
    """The shared loader's result, summed over the vendors loaded (landed, quarantined, row counts)."""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no file was rejected."""
        return not self.rejected

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (run logs, the CLI's ``--json``)."""
        return {
            "loaded": [asdict(f) for f in self.loaded],
            "skipped": [asdict(f) for f in self.skipped],
            "rejected": [{"file": e.path.as_posix(), "problem": e.problem} for e in self.rejected],
            "ignored": list(self.ignored),
            "load": self.load.to_dict(),
            "seconds": self.seconds,
        }


@dataclass
class Conversion:
    """A file converted in memory, waiting to be written and loaded."""

    file: str
    sha256: str
    format: str
    system: str
    rows: int
    tables: dict[str, pa.Table]

    def dropped(self) -> DroppedFile:
        schema = load_contracts()[self.system].schema
        return DroppedFile(self.file, self.sha256, self.format, self.system, self.rows,
                           {f"{schema}.{name}": t.num_rows for name, t in self.tables.items()})


def load_drops(
    drop_dir: Path,
    warehouse: Path,
    pipelines_dir: Path,
    progress: Progress | None = None,
    *,
    systems: Iterable[str] | None = None,
    force: bool = False,
) -> DropResult:
    """Convert and load every new vendor export file in ``drop_dir``; see the module docstring.

    A rejected file does not stop the run: the others still load, and the result lists each
    rejected file with its problem (``result.ok`` is False). ``systems`` limits the run to those
    vendors' subfolders (``<drop_dir>/<system>/``; files directly in ``drop_dir`` are then not read),
    for one run per vendor as the landing sensor starts them. ``force`` reprocesses files already
    recorded as loaded (the merge keys keep that free of duplicates). ``warehouse`` must not be open
    for writing by another process.
    """
    started = time.perf_counter()
    say = progress or (lambda _message: None)
    drop_dir, warehouse, pipelines_dir = Path(drop_dir), Path(warehouse), Path(pipelines_dir)
    result = DropResult()
    known = {} if force else processed_files(warehouse)
    wanted = None if systems is None else set(systems)
    unknown = sorted((wanted or set()) - set(load_contracts()))
    if unknown:
        raise ValueError(f"no landing contract for system(s) {', '.join(unknown)}")
    conversions = _convert_all(drop_dir, known, result, say, wanted)
    area = pipelines_dir / CONVERSION_DIR
    loaded_at = datetime.now(UTC)
    loads: list[LoadResult] = []
    for system in sorted({c.system for c in conversions}):
        batch = [c for c in conversions if c.system == system]
        landed, rejected, results = _load_system(system, batch, area, warehouse, pipelines_dir, force, say)
        record_processed(warehouse, [ProcessedFile(c.sha256, c.file, c.format, c.system, c.rows,
                                                   c.dropped().tables, loaded_at) for c in landed])
        result.loaded.extend(c.dropped() for c in landed)
        result.rejected.extend(rejected)
        loads.extend(results)
    result.load = merge_load_results(loads)
    result.seconds = round(time.perf_counter() - started, 3)
    say(f"file drops: {len(result.loaded)} loaded, {len(result.skipped)} skipped (seen before), "
        f"{len(result.rejected)} rejected, {len(result.ignored)} ignored in {result.seconds:.1f} s")
    return result


def _convert_all(drop_dir: Path, known: dict[str, ProcessedFile], result: DropResult, say: Progress,
                 systems: set[str] | None = None) -> list[Conversion]:
    """Detect and convert every new file; record skipped, ignored and rejected ones in ``result``."""
    conversions: list[Conversion] = []
    this_run: dict[str, str] = {}
    con = connect_duckdb()
    try:
        for path, kind in drop_files(drop_dir):
            relative = path.relative_to(drop_dir).as_posix()
            if systems is not None and _system_folder(drop_dir, path) not in systems:
                continue  # another vendor's run reads it
            if kind == "ignored":
                result.ignored.append(relative)
                continue
            try:
                digest = file_sha256(path)
            except OSError as error:
                result.rejected.append(LandingFileError(relative, f"cannot be read ({error.strerror or error})"))
                continue
            if digest in known or digest in this_run:
                seen = known[digest].file_name if digest in known else this_run[digest]
                when = f" on {known[digest].loaded_at:%Y-%m-%d %H:%M} UTC" if digest in known else " in this run"
                result.skipped.append(SkippedFile(relative, digest, f"same content as {seen}, loaded{when}"))
                say(f"{relative}: skipped, same content as {seen} (loaded{when})")
                continue
            try:
                conversion = convert_file(con, path, relative, digest, _system_folder(drop_dir, path))
            except LandingFileError as error:
                result.rejected.append(LandingFileError(relative, error.problem))
                say(f"{relative}: rejected: {error.problem}")
                continue
            except OSError as error:
                result.rejected.append(LandingFileError(relative, f"cannot be read ({error.strerror or error})"))
                say(f"{relative}: rejected: cannot be read")
                continue
            this_run[digest] = relative
            conversions.append(conversion)
            counts = ", ".join(f"{conversion.system}/{name} {t.num_rows:,}" for name, t in conversion.tables.items())
            say(f"{relative}: {conversion.format}, {conversion.rows:,} row(s) -> {counts}")
    finally:
        con.close()
    return conversions


def drop_files(drop_dir: Path) -> Iterator[tuple[Path, str]]:
    """Every file under ``drop_dir`` in name order, with ``"export"`` or ``"ignored"``."""
    if not drop_dir.is_dir():
        return
    for path in sorted(p for p in drop_dir.rglob("*") if p.is_file()):
        parts = path.relative_to(drop_dir).parts
        name = path.name.lower()
        skip = (any(part.startswith((".", "~$")) for part in parts) or name.endswith(PARTIAL_DOWNLOAD_SUFFIXES)
                or name.endswith(IGNORED_SUFFIXES))
        yield path, "ignored" if skip else "export"


def _system_folder(drop_dir: Path, path: Path) -> str | None:
    """The vendor whose subfolder holds the file (``landing/shopify/x.csv`` -> ``shopify``), if any."""
    parts = path.relative_to(drop_dir).parts
    return parts[0] if len(parts) > 1 and parts[0] in load_contracts() else None


def file_sha256(path: Path) -> str:
    """sha256 of the file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def convert_file(con: duckdb.DuckDBPyConnection, path: Path, relative: str, digest: str,
                 system: str | None = None) -> Conversion:
    """Detect, parse and convert one file; :class:`LandingFileError` when it cannot be."""
    detection = detect(path, system)
    export_format = detection.format
    with opened(con, path, detection) as (export, rows):
        missing = export_format.missing(export.headings)
        if missing:
            raise LandingFileError(path, f"{export_format.title}: missing required fields {', '.join(missing)}")
        try:
            tables = export_format.convert(con, export)
        except duckdb.Error as error:
            raise LandingFileError(path, f"cannot convert this {export_format.title}: {error}") from None
    _check_against_contract(export_format.system, tables)
    tables = {name: table for name, table in tables.items() if table.num_rows}
    return Conversion(relative, digest, export_format.name, export_format.system, rows, tables)


def _check_against_contract(system: str, tables: dict[str, pa.Table]) -> None:
    """A converter may only fill contract tables with contract columns (a bug otherwise)."""
    contract = load_contracts()[system]
    for name, table in tables.items():
        extra = sorted(set(table.column_names) - set(contract.table(name).column_names))
        if extra:
            raise ValueError(f"converter for {system}/{name} produced columns not in the contract: {extra}")


def converted_name(conversion: Conversion) -> str:
    """``<file-stem>-<sha8>.parquet``: readable, and unique per content."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(conversion.file).stem).strip("_") or "export"
    return f"{stem}-{conversion.sha256[:8]}.parquet"


def _write(conversion: Conversion, area: Path) -> list[Path]:
    written = []
    for name, table in conversion.tables.items():
        path = area / conversion.system / name / converted_name(conversion)
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path, **PARQUET_OPTIONS)
        written.append(path)
    return written


def _load_system(
    system: str,
    batch: list[Conversion],
    area: Path,
    warehouse: Path,
    pipelines_dir: Path,
    force: bool,
    say: Progress,
) -> tuple[list[Conversion], list[LandingFileError], list[LoadResult]]:
    """Load one vendor's converted files: together, else one at a time. (landed, rejected, results)."""
    try:
        return batch, [], [_load_batch(system, batch, area, warehouse, pipelines_dir, force, say)]
    except LandingFileError as error:
        if len(batch) == 1:
            problem = f"rejected by the loader: {error.problem}"
            say(f"{batch[0].file}: {problem}")
            return [], [LandingFileError(batch[0].file, problem)], []
        say(f"{system}: the loader refused the batch ({error.problem}); retrying one file at a time")
    landed: list[Conversion] = []
    rejected: list[LandingFileError] = []
    results: list[LoadResult] = []
    for conversion in batch:
        one_landed, one_rejected, one_results = _load_system(system, [conversion], area, warehouse, pipelines_dir,
                                                             force, say)
        landed += one_landed
        rejected += one_rejected
        results += one_results
    return landed, rejected, results


def _load_batch(system: str, batch: list[Conversion], area: Path, warehouse: Path, pipelines_dir: Path,
                force: bool, say: Progress) -> LoadResult:
    """Write the batch into an otherwise empty conversion folder, load it, clear the folder."""
    shutil.rmtree(area / system, ignore_errors=True)
    try:
        for conversion in batch:
            _write(conversion, area)
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
        merged.rows_read += result.rows_read
        merged.seconds = round(merged.seconds + result.seconds, 3)
        for system, seconds in result.system_seconds.items():
            merged.system_seconds[system] = round(merged.system_seconds.get(system, 0.0) + seconds, 3)
    return merged
