"""Writing the generated tables: vendor-named Parquet files and the truth rows behind them.

Parquet options are fixed so the same seed gives byte-identical files. The truth (which person,
which kind of row) goes to a separate directory; nothing in a vendor file reveals it. Files are
written as the rows arrive, chunk after chunk (:mod:`demo.sinks`); a vendor table goes out in
slices of one row group, so the text of its dictionary columns is made one row group at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from core.contracts import Table
from demo.frame import DEFECTS, KINDS, NO_PERSON, Frame
from demo.naming import vendor_name

ARROW_TYPES: dict[str, pa.DataType] = {"text": pa.string(), "bigint": pa.int64(), "double": pa.float64(),
                                       "boolean": pa.bool_()}
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 1, "use_dictionary": True,
                   "write_statistics": True, "version": "2.6", "row_group_size": 262_144}

TRUTH_ROW_SCHEMA = pa.schema([
    pa.field("system", pa.string()), pa.field("table", pa.string()), pa.field("row_number", pa.int64()),
    pa.field("record_key", pa.string()), pa.field("person_id", pa.int64()), pa.field("kind", pa.string()),
    pa.field("defect", pa.string()),
])


def vendor_table(frame: Frame, contract: Table) -> pa.Table:
    """The rows as the vendor would hand them over: contract column order, vendor field names."""
    arrays, names = [], []
    for column in contract.columns:
        values = frame.columns.get(column.name)
        if values is None:
            raise KeyError(f"{contract.qualified_name}: generator produced no column {column.name!r}")
        arrays.append(values.cast(ARROW_TYPES[column.type]))
        names.append(vendor_name(contract.system, contract.name, column.name))
    extra = set(frame.columns) - set(contract.column_names)
    if extra:
        raise KeyError(f"{contract.qualified_name}: columns not in the contract: {sorted(extra)}")
    return pa.Table.from_arrays(arrays, names=names)


def vendor_slices(frame: Frame, contract: Table, rows: int = PARQUET_OPTIONS["row_group_size"]):
    """The vendor table ``rows`` rows at a time (one slice for an empty table: the file still has its schema)."""
    for start in range(0, max(len(frame), 1), rows):
        yield vendor_table(frame.slice(start, min(start + rows, len(frame))), contract)


def record_keys(frame: Frame, contract: Table) -> pa.Array:
    """Primary-key values as text joined by ``|``; null when any key value is missing."""
    parts = [frame.columns[k].cast(pa.string()) for k in contract.primary_key]
    if len(parts) == 1:
        return parts[0]
    joined = pc.binary_join_element_wise(*parts, "|")
    return joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined


@dataclass
class TruthPart:
    """The truth of one chunk's rows of one table, kept compact until it is written.

    ``first_row`` is the position in the vendor file of the part's first row; ``person_id`` holds
    the run's person numbers (NO_PERSON for rows about nobody).
    """

    system: str
    table: str
    first_row: int
    record_key: pa.Array
    person_id: np.ndarray
    kind: np.ndarray
    defect: np.ndarray

    def __len__(self) -> int:
        return len(self.person_id)

    def rows(self, start: int, stop: int) -> pa.Table:
        """Truth rows ``start`` to ``stop`` of the part: position, key, person, kind and defect."""
        n = stop - start
        zeros = pa.array(np.zeros(n, dtype=np.int64))
        person = self.person_id[start:stop]
        return pa.Table.from_arrays([
            pa.array([self.system], pa.string()).take(zeros),
            pa.array([self.table], pa.string()).take(zeros),
            pa.array(np.arange(self.first_row + start, self.first_row + stop, dtype=np.int64)),
            self.record_key.slice(start, n),
            pa.array(person, pa.int64(), mask=person == NO_PERSON),
            pa.array(list(KINDS), pa.string()).take(pa.array(self.kind[start:stop].astype(np.int64))),
            pa.array(list(DEFECTS), pa.string()).take(pa.array(self.defect[start:stop].astype(np.int64))),
        ], schema=TRUTH_ROW_SCHEMA)


def truth_part(frame: Frame, contract: Table, first_row: int = 0, first_person: int = 0) -> TruthPart:
    """The truth of ``frame``'s rows, written from ``first_row`` of the file, persons counted after ``first_person``."""
    person = np.where(frame.person_id == NO_PERSON, NO_PERSON, frame.person_id + first_person)
    return TruthPart(system=contract.system, table=contract.name, first_row=first_row,
                     record_key=record_keys(frame, contract), person_id=person, kind=frame.kind.copy(),
                     defect=frame.defect.copy())
