"""In-memory form of one raw table while it is generated: contract-named Arrow columns plus truth.

System modules return a :class:`TableOut` per contract table: the latest version of every record
(``rows``), optionally earlier versions of some records (``older``, candidates for late-arriving
updates) and spare keys for junk rows. Assembly adds duplicates, superseded versions and dirty
rows, then orders everything by delivery time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa

KINDS = ("valid", "duplicate", "superseded", "dirty")
VALID, DUPLICATE, SUPERSEDED, DIRTY = range(4)
DEFECTS = (None, "missing_id", "malformed_email", "negative_amount", "missing_amount", "bad_timestamp")
NO_PERSON = -1


@dataclass
class Frame:
    """Rows of one table: ``columns`` by contract name, with the truth of each row alongside."""

    columns: dict[str, pa.Array]
    person_id: np.ndarray  # int64, NO_PERSON when the row is not about a person
    delivered_at: np.ndarray  # int64 epoch seconds: when the vendor handed the row over
    kind: np.ndarray  # int8 index into KINDS
    defect: np.ndarray  # int8 index into DEFECTS

    def __post_init__(self) -> None:
        n = len(self.person_id)
        for name, values in self.columns.items():
            if len(values) != n:
                raise ValueError(f"column {name!r} has {len(values)} rows, expected {n}")

    def __len__(self) -> int:
        return len(self.person_id)

    def take(self, index: np.ndarray) -> Frame:
        index = np.asarray(index, dtype=np.int64)
        arrow_index = pa.array(index)
        return Frame(columns={k: v.take(arrow_index) for k, v in self.columns.items()},
                     person_id=self.person_id[index], delivered_at=self.delivered_at[index],
                     kind=self.kind[index], defect=self.defect[index])

    def reorder(self, index: np.ndarray) -> None:
        """Put the rows in ``index`` order in place, one column at a time (never holding the frame twice).

        Only for a frame nothing else refers to (a fresh concatenation): its columns are replaced.
        """
        index = np.asarray(index, dtype=np.int64)
        arrow_index = pa.array(index)
        for name in list(self.columns):
            self.columns[name] = self.columns[name].take(arrow_index)
        self.person_id, self.delivered_at = self.person_id[index], self.delivered_at[index]
        self.kind, self.defect = self.kind[index], self.defect[index]

    def slice(self, start: int, stop: int) -> Frame:
        """Rows ``start`` to ``stop`` without copying (views of the same buffers)."""
        return Frame(columns={k: v.slice(start, stop - start) for k, v in self.columns.items()},
                     person_id=self.person_id[start:stop], delivered_at=self.delivered_at[start:stop],
                     kind=self.kind[start:stop], defect=self.defect[start:stop])

    def with_columns(self, **updates: pa.Array) -> Frame:
        return replace(self, columns={**self.columns, **updates})

    @staticmethod
    def concat(frames: Sequence[Frame]) -> Frame:
        frames = [f for f in frames if f is not None]
        names = list(frames[0].columns)
        return Frame(
            columns={name: pa.concat_arrays([f.columns[name] for f in frames]) for name in names},
            person_id=np.concatenate([f.person_id for f in frames]),
            delivered_at=np.concatenate([f.delivered_at for f in frames]),
            kind=np.concatenate([f.kind for f in frames]),
            defect=np.concatenate([f.defect for f in frames]),
        )


def frame(columns: dict[str, pa.Array], delivered_at: np.ndarray, person_id: np.ndarray | None = None) -> Frame:
    """A frame of valid rows (``person_id`` omitted: rows not about a person)."""
    n = len(delivered_at)
    person = np.full(n, NO_PERSON, dtype=np.int64) if person_id is None else np.asarray(person_id, dtype=np.int64)
    columns = {k: (v.combine_chunks() if isinstance(v, pa.ChunkedArray) else v) for k, v in columns.items()}
    return Frame(columns=columns, person_id=person, delivered_at=np.asarray(delivered_at, dtype=np.int64),
                 kind=np.full(n, VALID, dtype=np.int8), defect=np.zeros(n, dtype=np.int8))


@dataclass
class SpareKeys:
    """Unused primary keys that still point at valid parents (e.g. orders without feedback).

    Junk rows of tables whose key is itself a reference take their keys from here, so even a
    quarantined row never points at a record that does not exist.
    """

    columns: dict[str, pa.Array]
    person_id: np.ndarray


@dataclass
class TableOut:
    """What a system module produces for one contract table."""

    system: str
    name: str
    rows: Frame
    older: Frame | None = None
    older_weight: np.ndarray | None = None  # how likely each older version is to be re-delivered (changes that matter)
    spare_keys: SpareKeys | None = None

    def release(self) -> None:
        """Let go of the frames once the table is assembled (a large table is then not held twice)."""
        self.rows = self.older = self.spare_keys = None


# ---------------------------------------------------------------- typed column helpers


def ints(values: np.ndarray, null_mask: np.ndarray | None = None) -> pa.Array:
    values = np.asarray(values, dtype=np.int64)
    return pa.array(values, type=pa.int64(), mask=None if null_mask is None else np.asarray(null_mask, bool))


def floats(values: np.ndarray, null_mask: np.ndarray | None = None) -> pa.Array:
    values = np.asarray(values, dtype=np.float64)
    return pa.array(values, type=pa.float64(), mask=None if null_mask is None else np.asarray(null_mask, bool))


def bools(values: np.ndarray, null_mask: np.ndarray | None = None) -> pa.Array:
    values = np.asarray(values, dtype=bool)
    return pa.array(values, type=pa.bool_(), mask=None if null_mask is None else np.asarray(null_mask, bool))


def nulls(n: int, kind: pa.DataType | None = None) -> pa.Array:
    return pa.nulls(n, kind or pa.string())


def const(n: int, value: str) -> pa.Array:
    return pa.array([value], pa.string()).take(pa.array(np.zeros(n, dtype=np.int64)))
