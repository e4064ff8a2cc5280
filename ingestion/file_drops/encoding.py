"""Which character encoding a dropped text file is in, judged on every byte of it.

Vendors export UTF-8 (Shopify, Klaviyo, Zendesk; Seller Central reports sometimes with a
byte-order mark). A file opened and saved again by Excel on Windows is Windows-1252; older tools
write Latin-1 (ISO-8859-1). Reading one as another garbles names (``O’Brien`` becomes
``O\\x92Brien``), so the whole file is checked, not only its start (an accented name may first
appear after the first MiB):

- valid UTF-8 throughout, with or without a byte-order mark: read as UTF-8;
- otherwise, bytes that read as Western European text in Windows-1252 (which includes Latin-1's
  letters; Windows-1252 when any of its 0x80-0x9F punctuation such as ’ “ ” – € occurs, else
  Latin-1): read in that encoding and converted to UTF-8, and the conversion is reported;
- anything else is rejected, never guessed: a file mixing UTF-8 with Windows-1252 (two exports
  pasted together, a partial re-save), bytes Windows-1252 does not define, or bytes that read as
  runs of accented letters (another code page: Cyrillic, Greek, Asian).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ingestion.errors import LandingFileError

CHUNK = 1 << 20
RESAVE = "re-save as UTF-8 (Excel: Save As > CSV UTF-8)"

UNDEFINED_IN_1252 = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
"""Bytes Windows-1252 leaves undefined (Latin-1 reads them as invisible control characters)."""
MIXED_SHARE = 0.25
"""Share of the non-ASCII bytes forming valid UTF-8 sequences above which a non-UTF-8 file is called mixed."""
RUN_SHARE = 0.3
"""Share of the non-ASCII bytes in runs of three or more above which the text is not Western European."""


@dataclass(frozen=True)
class TextEncoding:
    """How to read a file, and what to report about it."""

    name: str
    """``utf-8``, ``utf-8-bom``, ``windows-1252`` or ``latin-1``."""

    @property
    def codec(self) -> str:
        """The Python codec that reads it (pyarrow's CSV reader takes the same names)."""
        return {"utf-8": "utf-8", "utf-8-bom": "utf-8-sig", "windows-1252": "cp1252", "latin-1": "latin-1"}[self.name]

    @property
    def converted(self) -> bool:
        """True when the file is not UTF-8 and its text is converted to UTF-8 on reading."""
        return self.name in ("windows-1252", "latin-1")

    @property
    def label(self) -> str:
        return {"utf-8": "UTF-8", "utf-8-bom": "UTF-8 with a byte-order mark", "windows-1252": "Windows-1252",
                "latin-1": "Latin-1 (ISO-8859-1)"}[self.name]


@dataclass
class _Counts:
    """Byte statistics of the part of a file that is not UTF-8."""

    histogram: np.ndarray
    utf8_bytes: int = 0
    run_bytes: int = 0

    @property
    def high(self) -> int:
        return int(self.histogram[0x80:].sum())


def file_encoding(path: Path) -> TextEncoding:
    """The encoding of the whole file at ``path``; :class:`LandingFileError` when it is none to trust."""
    path = Path(path)
    with path.open("rb") as handle:
        first = handle.read(CHUNK)
        _refuse_utf16(path, first)
        bom = first.startswith(codecs.BOM_UTF8)
        decoder = codecs.getincrementaldecoder("utf-8")()
        chunk, offset = first, 0
        try:
            while chunk:
                decoder.decode(chunk, final=False)
                offset += len(chunk)
                chunk = handle.read(CHUNK)
            decoder.decode(b"", final=True)
            return TextEncoding("utf-8-bom" if bom else "utf-8")
        except UnicodeDecodeError as error:
            where = offset + error.start
        handle.seek(0)
        counts = _count(handle)
    return _legacy(path, counts, where, bom)


def guess_encoding(head: bytes) -> TextEncoding:
    """A guess from the first bytes of a file (to read its heading line); never raises."""
    if head.startswith(codecs.BOM_UTF8):
        return TextEncoding("utf-8-bom")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return TextEncoding("utf-8")
    except UnicodeDecodeError:
        histogram = np.bincount(np.frombuffer(head, dtype=np.uint8), minlength=256)
        return TextEncoding("windows-1252" if histogram[0x80:0xA0].any() else "latin-1")


def _refuse_utf16(path: Path, head: bytes) -> None:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise LandingFileError(path, f"the file is UTF-16 text; {RESAVE}")


def _count(handle: BinaryIO) -> _Counts:
    """Byte histogram, bytes in UTF-8-looking sequences, bytes in runs of 3+ non-ASCII bytes (vectorised)."""
    counts = _Counts(np.zeros(256, dtype=np.int64))
    for chunk in iter(lambda: handle.read(CHUNK), b""):
        data = np.frombuffer(chunk, dtype=np.uint8)
        counts.histogram += np.bincount(data, minlength=256)
        high = np.flatnonzero(data >= 0x80)
        if not high.size:
            continue
        counts.utf8_bytes += _utf8_sequence_bytes(data)
        counts.run_bytes += _run_bytes(high)
    return counts


def _utf8_sequence_bytes(data: np.ndarray) -> int:
    """Bytes forming well-formed 2-, 3- and 4-byte UTF-8 sequences (lead byte plus continuations)."""
    cont = (data >= 0x80) & (data <= 0xBF)
    total = 0
    for low, high, length in ((0xC2, 0xDF, 2), (0xE0, 0xEF, 3), (0xF0, 0xF4, 4)):
        lead = (data >= low) & (data <= high)
        found = lead[: len(data) - length + 1].copy()
        for step in range(1, length):
            found &= cont[step: len(data) - length + 1 + step]
        total += int(found.sum()) * length
    return total


def _run_bytes(high: np.ndarray) -> int:
    """Bytes in runs of three or more consecutive positions among ``high`` (sorted byte positions)."""
    breaks = np.flatnonzero(np.diff(high) != 1)
    lengths = np.diff(np.concatenate(([0], breaks + 1, [high.size])))
    return int(lengths[lengths >= 3].sum())


def _legacy(path: Path, counts: _Counts, where: int, bom: bool) -> TextEncoding:
    """Windows-1252 or Latin-1 when the bytes read as such; else the reason it is neither."""
    name = "windows-1252" if counts.histogram[0x80:0xA0].any() else "latin-1"
    looks = "Windows-1252" if name == "windows-1252" else "Latin-1"
    position = f"the first byte that is not UTF-8 is at position {where:,}"
    undefined = [b for b in UNDEFINED_IN_1252 if counts.histogram[b]]
    if bom or (counts.high and counts.utf8_bytes / counts.high >= MIXED_SHARE):
        raise LandingFileError(path, f"not UTF-8, looks like {looks} mixed with UTF-8 ({position}; two exports "
                                     f"pasted together, or part of it re-saved?): {RESAVE}")
    if undefined:
        listed = ", ".join(f"0x{b:02X}" for b in undefined)
        raise LandingFileError(path, f"not UTF-8, and not Windows-1252 or Latin-1 text either (it has the bytes "
                                     f"{listed}, which neither uses; {position}): {RESAVE}")
    if counts.run_bytes / counts.high > RUN_SHARE:
        raise LandingFileError(path, f"not UTF-8, and it does not read as Western European text in Windows-1252 "
                                     f"either (another code page: Cyrillic, Greek, Asian?; {position}): {RESAVE}")
    return TextEncoding(name)


def not_utf8_problem(encoding: TextEncoding) -> str:
    """The rejection for a format that must be UTF-8 (JSON) when the file is in ``encoding``."""
    return f"not UTF-8, looks like {encoding.label}: {RESAVE}"
