"""The generator's output files, written as rows arrive: chunk after chunk, row group by row group.

Every file is opened once and appended to (``pyarrow.parquet.ParquetWriter`` with the fixed
options of :data:`demo.writer.PARQUET_OPTIONS`), so memory holds one chunk's rows, never a whole
file. A run that fits in one chunk writes exactly the bytes one ``pq.write_table`` call wrote:
row groups of ``row_group_size`` rows from the start of the file.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from demo.writer import PARQUET_OPTIONS, TruthPart

ROW_GROUP_SIZE: int = PARQUET_OPTIONS["row_group_size"]
WRITER_OPTIONS = {k: v for k, v in PARQUET_OPTIONS.items() if k != "row_group_size"}


class ParquetSink:
    """One Parquet file, opened on the first write (its schema: the first table's) and appended to."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None

    def write(self, table: pa.Table) -> None:
        """Append ``table`` in row groups of ``ROW_GROUP_SIZE`` rows (its last group may be smaller)."""
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._schema = table.schema
            self._writer = pq.ParquetWriter(self.path, table.schema, **WRITER_OPTIONS)
        elif table.schema != self._schema:
            table = table.cast(self._schema)
        self._writer.write_table(table, row_group_size=ROW_GROUP_SIZE)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class TruthSink:
    """``rows.parquet``: truth parts, table after table, in row groups that run across tables.

    Full row groups are written as parts arrive; the rows left over are written when the chunk
    ends, so nothing of one chunk is held while the next is made.
    """

    def __init__(self, path: Path) -> None:
        self._sink = ParquetSink(path)
        self._parts: list[TruthPart] = []
        self._used = 0  # rows of the first buffered part already written
        self._buffered = 0

    def add(self, part: TruthPart) -> None:
        self._parts.append(part)
        self._buffered += len(part)
        while self._buffered >= ROW_GROUP_SIZE:
            self._write(ROW_GROUP_SIZE)

    def end_chunk(self) -> None:
        """Write the rows still buffered (the last, smaller row group of the chunk)."""
        if self._buffered:
            self._write(self._buffered)
        self._parts.clear()
        self._used = 0

    def close(self) -> None:
        self._sink.close()

    def _write(self, rows: int) -> None:
        """Write the next ``rows`` buffered rows as one row group (parts are dropped once written)."""
        pieces = []
        while rows > 0:
            part = self._parts[0]
            take = min(rows, len(part) - self._used)
            pieces.append(part.rows(self._used, self._used + take))
            self._used += take
            rows -= take
            self._buffered -= take
            if self._used == len(part):
                self._parts.pop(0)
                self._used = 0
        self._sink.write(pa.concat_tables(pieces))
