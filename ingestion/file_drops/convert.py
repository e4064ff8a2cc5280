"""One dropped file -> Arrow tables of its vendor's contract, in memory; and their Parquet copies.

Detect the format (name, headings), judge the encoding of the whole file, parse it (removing exact
duplicate lines), run the format's converter, and check the converter kept to the contract. Any
problem raises :class:`~ingestion.errors.LandingFileError` naming the file: nothing of a file is
written before all of it converted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from core.contracts import load_contracts
from ingestion.errors import LandingFileError
from ingestion.file_drops.detect import detect
from ingestion.file_drops.encoding import TextEncoding, file_encoding
from ingestion.file_drops.read import opened
from ingestion.file_drops.result import DroppedFile

PARQUET_OPTIONS: dict[str, Any] = {"compression": "zstd", "compression_level": 1, "write_statistics": True}


@dataclass
class Conversion:
    """A file converted in memory, waiting to be written and loaded."""

    file: str
    sha256: str
    format: str
    system: str
    rows: int
    tables: dict[str, pa.Table]
    encoding: str = "utf-8"
    duplicate_lines: int = 0

    def dropped(self) -> DroppedFile:
        schema = load_contracts()[self.system].schema
        return DroppedFile(self.file, self.sha256, self.format, self.system, self.rows,
                           {f"{schema}.{name}": t.num_rows for name, t in self.tables.items()},
                           encoding=self.encoding, encoding_converted=TextEncoding(self.encoding).converted,
                           duplicate_lines=self.duplicate_lines)


def convert_file(con: duckdb.DuckDBPyConnection, path: Path, relative: str, digest: str,
                 system: str | None = None) -> Conversion:
    """Detect, parse and convert one file; :class:`LandingFileError` when it cannot be."""
    detection = detect(path, system)
    encoding = file_encoding(path)
    export_format = detection.format
    with opened(con, path, detection, encoding) as parsed:
        missing = export_format.missing(parsed.export.headings)
        if missing:
            raise LandingFileError(path, f"{export_format.title}: missing required fields {', '.join(missing)}")
        try:
            tables = export_format.convert(con, parsed.export)
        except duckdb.Error as error:
            raise LandingFileError(path, f"cannot convert this {export_format.title}: {error}") from None
    _check_against_contract(export_format.system, tables)
    tables = {name: table for name, table in tables.items() if table.num_rows}
    return Conversion(relative, digest, export_format.name, export_format.system, parsed.rows, tables,
                      encoding=encoding.name, duplicate_lines=parsed.duplicate_lines)


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


def converted_files(conversion: Conversion) -> list[str]:
    """The Parquet files of a conversion, relative to the conversion area (``<system>/<table>/<name>``)."""
    return [f"{conversion.system}/{name}/{converted_name(conversion)}" for name in conversion.tables]


def write_conversion(conversion: Conversion, area: Path) -> list[Path]:
    """Write each table of the conversion as Parquet under ``area``; the paths written."""
    written = []
    for relative in converted_files(conversion):
        path = area / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(conversion.tables[relative.split("/")[1]], path, **PARQUET_OPTIONS)
        written.append(path)
    return written
