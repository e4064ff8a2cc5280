"""Which files in the landing folder are vendor exports, and which vendor's run reads each.

The landing folder may hold exports flat (``landing/orders_export_1.csv``) or in vendor subfolders
(``landing/shopify/orders_export_1.csv``). The command line reads them all at once; the Dagster
sensor starts one run per vendor. Both find files and attribute them with the functions here, so
they always agree:

- a file in a vendor's subfolder belongs to that vendor;
- a flat file belongs to the vendor whose export it is (detected by name and headings); a file
  that is no supported export goes to the vendor whose export it is closest to, and one that is
  not even text (a spreadsheet, an archive) to :data:`FALLBACK_SYSTEM`, so some run rejects it
  (and moves it to ``rejected/``) instead of leaving it unread forever.

Left alone: ``rejected/`` (files already refused, with their reasons), hidden files and Office
lock files, unfinished downloads, and canonical ``<system>/<table>.parquet`` landing files (the
shared loader reads those; reported as ignored).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from core.contracts import load_contracts
from ingestion.file_drops.detect import likely_system

REJECTED_DIR = "rejected"
"""Subfolder of the landing folder where rejected files are moved, each with ``<file>.reason.txt``."""
IGNORED_SUFFIXES = (".parquet",)
"""Canonical landing files: the shared loader reads them (``cdw ingest``), not the drop reader."""
PARTIAL_DOWNLOAD_SUFFIXES = (".crdownload", ".part", ".partial", ".download", ".tmp", ".filepart")
CHUNK = 1 << 20


def fallback_system() -> str:
    """The vendor whose run rejects flat files that resemble no vendor's export (the first by name)."""
    return sorted(load_contracts())[0]


FALLBACK_SYSTEM = fallback_system()


def drop_files(drop_dir: Path) -> Iterator[tuple[Path, str]]:
    """Every file under ``drop_dir`` in name order (``rejected/`` excepted), with ``"export"`` or ``"ignored"``."""
    drop_dir = Path(drop_dir)
    if not drop_dir.is_dir():
        return
    for path in sorted(p for p in drop_dir.rglob("*") if p.is_file()):
        parts = path.relative_to(drop_dir).parts
        if parts[0] == REJECTED_DIR:
            continue
        name = path.name.lower()
        skip = (any(part.startswith((".", "~$")) for part in parts) or name.endswith(PARTIAL_DOWNLOAD_SUFFIXES)
                or name.endswith(IGNORED_SUFFIXES))
        yield path, "ignored" if skip else "export"


def system_folder(drop_dir: Path, path: Path) -> str | None:
    """The vendor whose subfolder holds the file (``landing/shopify/x.csv`` -> ``shopify``), if any."""
    parts = Path(path).relative_to(drop_dir).parts
    return parts[0] if len(parts) > 1 and parts[0] in load_contracts() else None


def owner_system(drop_dir: Path, path: Path) -> str:
    """The vendor whose run reads ``path``: its folder's, else its export's (see the module docstring)."""
    return likely_system(Path(path), system_folder(drop_dir, path)) or FALLBACK_SYSTEM


def file_sha256(path: Path) -> str:
    """sha256 of the file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()
