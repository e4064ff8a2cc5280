"""Chunks of persons: how a run is cut into groups of persons and how ids continue across them.

The generator makes its persons ``chunk_persons`` at a time, so memory follows the chunk size, not
the number of customers. Chunk ``k`` of a run draws from its own random streams (``name#k``;
chunk 0 keeps the plain ``name``, so a run that fits in one chunk is exactly the run it always
was) and its ids continue where the earlier chunks stopped:

* **sequential ids** (Shopify customers, orders and their ``#1001`` names, Zendesk users and
  tickets...) start after the largest id of the same kind any earlier chunk wrote, junk rows and
  added records included (:class:`IdCounter` watches the written tables);
* **random unique ids** (Amazon order ids, event ids, phone numbers...) are drawn by chunk ``k``
  of ``K`` among the values congruent to ``k`` modulo ``K``, so two chunks can never draw the same
  one (:meth:`Chunk.unique_ints`).

Records never span chunks: a person, their household and everything they did stay in one.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from demo.vector import unique_ints


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per component, so changing one module leaves the others' data alone."""
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])


@dataclass(frozen=True)
class IdSpace:
    """Sequential ids of one kind: they count up from ``base``; ``column`` of ``table`` holds every one given out."""

    base: int
    system: str
    table: str
    column: str
    prefix: str = ""  # text before the number (``#`` of Shopify order names)


ID_SPACES: dict[str, IdSpace] = {
    "shopify.customers": IdSpace(7_012_345_000_000, "shopify", "customers", "id"),
    "shopify.orders": IdSpace(5_301_234_000_000, "shopify", "orders", "id"),
    "shopify.order_names": IdSpace(1000, "shopify", "orders", "name", prefix="#"),
    "shopify.line_items": IdSpace(13_812_345_000_000, "shopify", "orders__line_items", "id"),
    "shopify.refunds": IdSpace(912_345_000_000, "shopify", "refunds", "id"),
    "shopify.refund_lines": IdSpace(412_345_000_000, "shopify", "refunds__refund_line_items", "id"),
    "shopify.checkouts": IdSpace(30_112_345_000_000, "shopify", "abandoned_checkouts", "id"),
    "zendesk.users": IdSpace(361_234_567_000, "zendesk", "users", "id"),
    "zendesk.organizations": IdSpace(360_009_876_000, "zendesk", "users", "organization_id"),
    "zendesk.tickets": IdSpace(1000, "zendesk", "tickets", "id"),
    "zendesk.ratings": IdSpace(360_001_234_000, "zendesk", "satisfaction_ratings", "id"),
}


@dataclass(frozen=True)
class Chunk:
    """One chunk of a run: its number, how many there are, its persons, and where its ids start."""

    index: int = 0
    count: int = 1
    first_person: int = 0  # persons of earlier chunks: this chunk's person i is person first_person + i + 1
    size: int = 0  # persons in this chunk
    offsets: Mapping[str, int] = field(default_factory=dict)  # per id space: ids already given out above its base

    @property
    def first(self) -> bool:
        return self.index == 0

    @property
    def last(self) -> bool:
        return self.index == self.count - 1

    def stream(self, seed: int, name: str) -> np.random.Generator:
        """The chunk's own random stream for a component (chunk 0: the stream a one-chunk run uses)."""
        return stream(seed, name if self.index == 0 else f"{name}#{self.index}")

    def first_id(self, space: str) -> int:
        """The value this chunk's sequential ids of ``space`` count up from (exclusive)."""
        return ID_SPACES[space].base + self.offsets.get(space, 0)

    def unique_ints(self, rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
        """n distinct random integers in [low, high) that no other chunk of the run can draw.

        Chunk k of K takes values congruent to k modulo K; with one chunk this is exactly
        :func:`demo.vector.unique_ints` (same draws, same values).
        """
        k, count = self.index, self.count
        quotient = unique_ints(rng, n, -(-(low - k) // count), (high - 1 - k) // count + 1)
        return quotient * count + k


WHOLE = Chunk()
"""A run in one chunk: no offsets, every value allowed."""


def plan_chunks(customers: int, chunk_persons: int) -> list[tuple[int, int]]:
    """(first person, size) of every chunk: ``chunk_persons`` persons each, the last one smaller."""
    if chunk_persons < 1:
        raise ValueError("chunk_persons must be at least 1")
    return [(start, min(chunk_persons, customers - start)) for start in range(0, customers, chunk_persons)]


class IdCounter:
    """The sequential ids given out so far: the offsets the next chunk starts from."""

    def __init__(self) -> None:
        self.offsets: dict[str, int] = {}

    def observe(self, system: str, table: str, columns: Mapping[str, pa.Array]) -> None:
        """Note the largest ids of every space this written table holds."""
        for name, space in ID_SPACES.items():
            if (space.system, space.table) != (system, table):
                continue
            largest = _largest(columns[space.column], space.prefix)
            if largest is not None:
                self.offsets[name] = max(self.offsets.get(name, 0), largest - space.base)


def _largest(values: pa.Array, prefix: str) -> int | None:
    if prefix:
        values = pc.cast(pc.utf8_slice_codeunits(values, len(prefix)), pa.int64())
    return pc.max(values).as_py()
