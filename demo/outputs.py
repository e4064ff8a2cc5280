"""Every file one run writes, and what it counted on the way.

``out_dir/<system>/<table>.parquet`` per contract table, and under ``truth_dir`` the truth rows
(``rows.parquet``), the persons (``persons.parquet``) and the phenomena tags
(``phenomena.parquet``). Chunks append to them; the truth rows of a chunk follow the contract's
table order (each table's rows in file order), as a one-chunk run always wrote them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from core.contracts import Table
from demo.frame import KINDS, Frame
from demo.sinks import ParquetSink, TruthSink
from demo.writer import TruthPart, truth_part, vendor_slices

Key = tuple[str, str]


class Outputs:
    """The open output files of a run, rows written per table and kinds of rows per table."""

    def __init__(self, out_dir: Path, truth_dir: Path, tables: dict[Key, Table]) -> None:
        self.tables = tables
        self.rows: dict[str, int] = {f"{s}.{t}": 0 for s, t in tables}
        self.kinds: dict[str, dict[str, int]] = {f"{s}.{t}": dict.fromkeys(KINDS, 0) for s, t in tables}
        self._vendor = {key: ParquetSink(out_dir / key[0] / f"{key[1]}.parquet") for key in tables}
        self._truth = TruthSink(truth_dir / "rows.parquet")
        self._persons = ParquetSink(truth_dir / "persons.parquet")
        self._phenomena = ParquetSink(truth_dir / "phenomena.parquet")
        self._pending: dict[Key, TruthPart] = {}

    def write_table(self, key: Key, frame: Frame, first_person: int) -> None:
        """Append one chunk's final rows of a table to its vendor file; keep their truth for the chunk's end."""
        contract = self.tables[key]
        name = f"{key[0]}.{key[1]}"
        for piece in vendor_slices(frame, contract):
            self._vendor[key].write(piece)
        self._pending[key] = truth_part(frame, contract, first_row=self.rows[name], first_person=first_person)
        self.rows[name] += len(frame)
        counts = np.bincount(frame.kind, minlength=len(KINDS))
        for index, kind in enumerate(KINDS):
            self.kinds[name][kind] += int(counts[index])

    def end_chunk(self) -> None:
        """Write the chunk's truth rows, table by table in contract order."""
        for key in self.tables:
            part = self._pending.pop(key, None)
            if part is not None:
                self._truth.add(part)
        self._truth.end_chunk()

    def write_persons(self, table: pa.Table) -> None:
        self._persons.write(table)

    def write_phenomena(self, table: pa.Table) -> None:
        self._phenomena.write(table)

    def close(self) -> None:
        for sink in (*self._vendor.values(), self._persons, self._phenomena):
            sink.close()
        self._truth.close()
