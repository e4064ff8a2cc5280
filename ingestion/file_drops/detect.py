"""Tell which vendor export a dropped file is, from its name and its headings.

A file *claims* a format when it is named as the vendor names that export
(``orders_export_1.csv``); it must then carry the format's required headings, or it is rejected
naming the missing ones. A file that claims nothing (Seller Central names reports by number) is
recognised by its headings alone. A file in a vendor's subfolder (``landing/shopify/...``) is only
tried against that vendor's formats. Anything else (no match, binary content, an unsupported file
type, an empty file) raises :class:`~ingestion.errors.LandingFileError` naming the file and the
problem: detection reads only the first MiB, so a wrong file costs nothing (the encoding of the
whole file is judged when it is read: :mod:`ingestion.file_drops.encoding`).

:func:`likely_system` names the vendor a flat file belongs to, for runs of one vendor (the
Dagster landing sensor and the ``systems`` option of ``load_drops``): the detected format's, or,
for a file that is no supported export, the vendor whose export it is closest to.
"""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from pathlib import Path

from ingestion.errors import LandingFileError
from ingestion.file_drops.encoding import guess_encoding
from ingestion.file_drops.formats import FORMATS, ExportFormat

SNIFF_BYTES = 1 << 20
SUPPORTED_SUFFIXES = (".csv", ".txt", ".tsv", ".json", ".ndjson", ".jsonl")
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}


@dataclass(frozen=True)
class Detection:
    """The format a file is in, and what is needed to read it."""

    format: ExportFormat
    encoding: str
    """Guessed from the first MiB: ``utf-8``, ``utf-8-bom``, ``windows-1252`` or ``latin-1``
    (:class:`~ingestion.file_drops.encoding.TextEncoding`); reading judges the whole file."""
    headings: tuple[str, ...]
    """The heading line, split and trimmed (empty for JSON: its fields are known once read)."""


def detect(path: Path, system: str | None = None, formats: tuple[ExportFormat, ...] = FORMATS) -> Detection:
    """The export format of ``path``; :class:`LandingFileError` when it is none of ``formats``.

    ``system``: the vendor folder the file was dropped in, if any; only its formats are tried.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LandingFileError(path, f"unsupported file type {suffix or '(none)'!r}: drop the vendor's own export "
                                     f"({', '.join(SUPPORTED_SUFFIXES)})")
    candidates = [f for f in formats if suffix in f.extensions and (system is None or f.system == system)]
    if not candidates:
        where = f" in the {system} folder" if system else ""
        raise LandingFileError(path, f"no supported export is a {suffix} file{where}")
    head = _head(path)
    claimed = [f for f in candidates if f.claims(path.name)]
    if candidates[0].layout == "json":
        return _detect_json(path, head, claimed or candidates)
    encoding, text = _decode(head)
    line = _first_line(path, text, complete=len(head) < SNIFF_BYTES)
    return _detect_delimited(path, encoding, line, claimed, candidates)


def likely_system(path: Path, system: str | None = None) -> str | None:
    """The vendor whose run should read ``path``: the detected format's system; for a file that is
    no supported export, the system of the export it claims by name or is closest to by headings;
    None when it is not even a text file of a supported type."""
    if system is not None:
        return system
    try:
        return detect(path).format.system
    except (LandingFileError, OSError):
        pass
    suffix = Path(path).suffix.lower()
    candidates = [f for f in FORMATS if suffix in f.extensions]
    claimed = [f for f in candidates if f.claims(Path(path).name)]
    if claimed:
        return claimed[0].system
    if not candidates or candidates[0].layout == "json":
        return None
    try:
        head = _head(Path(path))
        line = _first_line(Path(path), _decode(head)[1], complete=True)
    except (LandingFileError, OSError):
        return None
    return _closest(line, candidates).system


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head.strip():
        raise LandingFileError(path, "the file is empty")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise LandingFileError(path, "the file is UTF-16 text; export (or save) it as UTF-8")
    if b"\x00" in head:
        raise LandingFileError(path, "binary content, not a text export (a spreadsheet or an archive?): "
                                     "drop the vendor's CSV, TXT or JSON file as downloaded")
    return head


def _decode(head: bytes) -> tuple[str, str]:
    """The encoding guessed from the file's first MiB, and that MiB as text (for the heading line)."""
    encoding = guess_encoding(head)
    return encoding.name, codecs.getincrementaldecoder(encoding.codec)(errors="replace").decode(head, final=False)


def _first_line(path: Path, text: str, complete: bool) -> str:
    end = min((i for i in (text.find("\n"), text.find("\r")) if i >= 0), default=-1)
    if end < 0 and not complete:
        raise LandingFileError(path, f"no line break in the first {SNIFF_BYTES:,} bytes: not a delimited text export")
    return text if end < 0 else text[:end]


def split_headings(line: str, delimiter: str) -> tuple[str, ...]:
    """The heading line split on ``delimiter`` (CSV quoting honoured), each heading trimmed."""
    row = next(csv.reader([line], delimiter=delimiter, quotechar='"'), [])
    return tuple(heading.strip() for heading in row)


def _detect_delimited(path: Path, encoding: str, line: str, claimed: list[ExportFormat],
                      candidates: list[ExportFormat]) -> Detection:
    if claimed:
        for export_format in claimed:
            headings = split_headings(line, export_format.delimiter or ",")
            if not export_format.missing(headings):
                return Detection(export_format, encoding, headings)
        export_format = claimed[0]
        missing = export_format.missing(split_headings(line, export_format.delimiter or ","))
        raise LandingFileError(path, f"{export_format.title} by its name, but missing required columns "
                                     f"{', '.join(missing)}{_delimiter_hint(line, export_format)}")
    for export_format in candidates:
        headings = split_headings(line, export_format.delimiter or ",")
        if not export_format.missing(headings):
            return Detection(export_format, encoding, headings)
    closest = _closest(line, candidates)
    missing = closest.missing(split_headings(line, closest.delimiter or ","))
    known = "; ".join(f.title for f in candidates)
    raise LandingFileError(path, f"not a recognised export (tried: {known}); closest is the {closest.title}, "
                                 f"missing required columns {', '.join(missing)}{_delimiter_hint(line, closest)}")


def _closest(line: str, candidates: list[ExportFormat]) -> ExportFormat:
    """The format missing the fewest required headings in ``line``."""
    return min(candidates, key=lambda f: len(f.missing(split_headings(line, f.delimiter or ","))))


def _delimiter_hint(line: str, export_format: ExportFormat) -> str:
    """Why the headings were not found, when the line is split by another character."""
    expected = export_format.delimiter or ","
    if len(split_headings(line, expected)) > 1:
        return ""
    for other, name in DELIMITER_NAMES.items():
        if other != expected and other in line:
            return (f" (the heading line is {name}-separated; this export is {DELIMITER_NAMES[expected]}-separated: "
                    "a file renamed, or re-saved by a spreadsheet?)")
    return ""


def _detect_json(path: Path, head: bytes, formats: list[ExportFormat]) -> Detection:
    if len(formats) > 1:
        raise LandingFileError(path, f"cannot tell which JSON export this is ({', '.join(f.title for f in formats)}); "
                                     "name it as the vendor does")
    first = head.lstrip(codecs.BOM_UTF8).lstrip()[:1]
    if first not in (b"{", b"["):
        raise LandingFileError(path, "not JSON: it does not start with '{' or '['")
    return Detection(formats[0], "utf-8", ())
