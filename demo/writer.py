"""Writing the generated tables: vendor-named Parquet files and the truth rows behind them.

Parquet options are fixed so the same seed gives byte-identical files. The truth (which person,
which kind of row) goes to a separate directory; nothing in a vendor file reveals it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

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


def write_parquet(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, **PARQUET_OPTIONS)


def record_keys(frame: Frame, contract: Table) -> pa.Array:
    """Primary-key values as text joined by ``|``; null when any key value is missing."""
    parts = [frame.columns[k].cast(pa.string()) for k in contract.primary_key]
    if len(parts) == 1:
        return parts[0]
    joined = pc.binary_join_element_wise(*parts, "|")
    return joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined


def truth_rows(frame: Frame, contract: Table) -> pa.Table:
    """One truth row per emitted row: its position, key, person, kind and defect."""
    n = len(frame)
    kinds = pa.array(list(KINDS), pa.string()).take(pa.array(frame.kind.astype(np.int64)))
    defects = pa.array(list(DEFECTS), pa.string()).take(pa.array(frame.defect.astype(np.int64)))
    system = pa.array([contract.system], pa.string()).take(pa.array(np.zeros(n, dtype=np.int64)))
    name = pa.array([contract.name], pa.string()).take(pa.array(np.zeros(n, dtype=np.int64)))
    person = pa.array(frame.person_id, pa.int64(), mask=frame.person_id == NO_PERSON)
    return pa.Table.from_arrays(
        [system, name, pa.array(np.arange(n, dtype=np.int64)), record_keys(frame, contract), person, kinds,
         defects], schema=TRUTH_ROW_SCHEMA)
