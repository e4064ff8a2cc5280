"""What the landing-folder sensor sees: vendor export files, their fingerprints, and which are new.

The files and their vendor come from the drop reader itself (:mod:`ingestion.file_drops.discover`),
so Dagster and the command line read the same layout: exports dropped flat into ``landing/`` (the
vendor told by the file's content) or in vendor subfolders, plus canonical
``<system>/<table>.parquet`` landing files in vendor subfolders. ``landing/rejected/`` (files already
refused, with their reasons), hidden files and unfinished downloads are not seen.

A file is new when its content (sha256) has not been requested before under its path. The
sensor cursor remembers ``path -> size:mtime:sha256`` so an unchanged file is not hashed (or
detected) again on every tick, and the run key (``path:sha256``) makes Dagster itself refuse a
second run for the same file even if the cursor were lost. Files still being written (changed
within the settle time) wait for a later tick.
"""

import json
from dataclasses import dataclass, replace
from pathlib import Path

from ingestion.file_drops.discover import drop_files, file_sha256, owner_system, system_folder

CANONICAL_SUFFIX = ".parquet"


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative: str  # "shopify/orders/2026-11-23.parquet", "orders_export_1.csv"
    system: str | None
    """The vendor whose run reads it; None for a flat file until it is attributed (by content)."""
    size: int
    mtime_ns: int

    @property
    def stamp(self) -> str:
        return f"{self.size}:{self.mtime_ns}"


@dataclass(frozen=True)
class NewFile:
    file: LandingFile
    sha256: str

    @property
    def run_key(self) -> str:
        return f"{self.file.relative}:{self.sha256}"


def sha256_of(path: Path) -> str:
    return file_sha256(path)


def scan(root: Path) -> list[LandingFile]:
    """Candidate files under ``root`` in path order: exports (flat or per vendor) and canonical Parquet files."""
    found = []
    for path, kind in drop_files(root):
        folder = system_folder(root, path)
        if kind == "ignored" and not (folder and path.name.lower().endswith(CANONICAL_SUFFIX)):
            continue
        stat = path.stat()
        found.append(LandingFile(path=path, relative=path.relative_to(root).as_posix(), system=folder,
                                 size=stat.st_size, mtime_ns=stat.st_mtime_ns))
    return found


def parse_cursor(cursor: str | None) -> dict[str, str]:
    try:
        value = json.loads(cursor) if cursor else {}
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def new_files(root: Path, systems: set[str], cursor: str | None, now_ns: int,
              settle_ns: int) -> tuple[list[NewFile], str]:
    """Files of ``systems`` whose content was not requested before, and the cursor to store after requesting them."""
    seen = parse_cursor(cursor)
    updated: dict[str, str] = {}
    fresh: list[NewFile] = []
    for file in scan(root):
        previous = seen.get(file.relative)
        if previous and previous.rsplit(":", 1)[0] == file.stamp:
            updated[file.relative] = previous  # unchanged since it was requested
            continue
        if now_ns - file.mtime_ns < settle_ns:
            if previous:
                updated[file.relative] = previous
            continue  # still being written: look again next tick
        digest = sha256_of(file.path)
        updated[file.relative] = f"{file.stamp}:{digest}"
        if previous and previous.rsplit(":", 1)[1] == digest:
            continue  # touched, not changed
        owned = file if file.system else replace(file, system=owner_system(root, file.path))
        if owned.system in systems:
            fresh.append(NewFile(file=owned, sha256=digest))
    return fresh, json.dumps(updated, sort_keys=True)
