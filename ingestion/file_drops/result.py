"""What one ``load_drops`` call did, as data (the command line and Dagster print and record it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ingestion.load import LoadResult


@dataclass(frozen=True)
class DroppedFile:
    """A file converted and loaded in this run."""

    file: str
    """Path relative to the drop folder."""
    sha256: str
    format: str
    system: str
    rows: int
    """Data rows in the file (lines after the heading, or JSON records), duplicate lines included."""
    tables: dict[str, int]
    """Rows handed to the loader per raw table (``raw_shopify.orders``); the loader's own counts
    (landed, quarantined, superseded) are in :attr:`DropResult.load`."""
    encoding: str = "utf-8"
    """The file's encoding: ``utf-8``, ``utf-8-bom``, ``windows-1252`` or ``latin-1``."""
    encoding_converted: bool = False
    """True when the file was not UTF-8 and its text was converted (Windows-1252, Latin-1)."""
    duplicate_lines: int = 0
    """Exact duplicate lines removed before converting (each would have doubled a line item)."""


@dataclass(frozen=True)
class SkippedFile:
    """A file not read because its content was processed before."""

    file: str
    sha256: str
    reason: str


@dataclass(frozen=True)
class RejectedFile:
    """A file refused as a whole: nothing from it landed.

    Reads like the :class:`~ingestion.errors.LandingFileError` it replaces (``.path``, ``.problem``).
    """

    file: str
    """Path relative to the drop folder, where it was dropped."""
    problem: str
    moved_to: str | None = None
    """Where it is now, relative to the drop folder (``rejected/<file>``); None if it could not be moved."""
    reason_file: str | None = None
    """``rejected/<file>.reason.txt``, the problem in plain words beside the file."""
    system: str | None = None
    """The vendor whose run read it (the folder's, or the export it resembles), when known."""

    @property
    def path(self) -> Path:
        return Path(self.file)

    def __str__(self) -> str:
        return f"{self.file}: {self.problem}"


@dataclass
class DropResult:
    """What one ``load_drops`` call did."""

    loaded: list[DroppedFile] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    rejected: list[RejectedFile] = field(default_factory=list)
    """One per rejected file: ``file``, ``problem``, ``moved_to``, ``reason_file``."""
    ignored: list[str] = field(default_factory=list)
    """Files that are not exports to read: hidden, unfinished downloads, canonical Parquet landing files."""
    load: LoadResult = field(default_factory=LoadResult)
    """The shared loader's result, summed over the vendors loaded (landed, quarantined, row counts,
    ``resumed_packages`` finished for an interrupted earlier run)."""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no file was rejected (a run with a rejected file is partial)."""
        return not self.rejected

    @property
    def duplicate_lines(self) -> dict[str, int]:
        """Exact duplicate lines removed, per loaded file that had any."""
        return {f.file: f.duplicate_lines for f in self.loaded if f.duplicate_lines}

    @property
    def converted_encodings(self) -> dict[str, str]:
        """Files whose text was converted to UTF-8, with the encoding they were in."""
        return {f.file: f.encoding for f in self.loaded if f.encoding_converted}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (run logs, the CLI's ``--json``)."""
        return {
            "ok": self.ok,
            "loaded": [asdict(f) for f in self.loaded],
            "skipped": [asdict(f) for f in self.skipped],
            "rejected": [asdict(f) for f in self.rejected],
            "ignored": list(self.ignored),
            "duplicate_lines": self.duplicate_lines,
            "converted_encodings": self.converted_encodings,
            "load": self.load.to_dict(),
            "seconds": self.seconds,
        }
