"""What the landing-folder sensor sees: vendor export files, their fingerprints, and which are new.

A file is new when its content (sha256) has not been requested before under its path. The
sensor cursor remembers ``path -> size:mtime:sha256`` so an unchanged file is not hashed again on
every tick, and the run key (``path:sha256``) makes Dagster itself refuse a second run for the
same file even if the cursor were lost. Files still being written (changed within the settle
time) and partial uploads (``.tmp``, ``.part``, hidden files) wait for a later tick.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

PARTIAL_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".filepart")
CHUNK = 1 << 20


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative: str  # "shopify/orders/2026-11-23.parquet"
    system: str
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
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def scan(root: Path, systems: set[str]) -> list[LandingFile]:
    """Candidate files under ``<root>/<system>/`` for known systems, in path order."""
    found = []
    for system in sorted(systems):
        folder = root / system
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or path.name.startswith(".") or path.name.endswith(PARTIAL_SUFFIXES):
                continue
            stat = path.stat()
            found.append(LandingFile(path=path, relative=path.relative_to(root).as_posix(), system=system,
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
    """Files whose content was not requested before, and the cursor to store after requesting them."""
    seen = parse_cursor(cursor)
    updated: dict[str, str] = {}
    fresh: list[NewFile] = []
    for file in scan(root, systems):
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
        fresh.append(NewFile(file=file, sha256=digest))
    return fresh, json.dumps(updated, sort_keys=True)
