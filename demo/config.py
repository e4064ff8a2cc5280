"""The generator's knobs: rates of the imperfections it adds, and how many persons it makes at a time."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_CHUNK_PERSONS = 50_000


@dataclass(frozen=True)
class GeneratorConfig:
    """Known rates of the imperfections added on top of the valid records, and the chunk size."""

    defect_rate: float = 0.003  # junk rows per table, per defect type that applies to the table
    duplicate_rate: float = 0.004  # exact re-deliveries, per table
    late_update_rate: float = 0.02  # records that also arrive in an earlier version (tables with changes)
    anonymous_visitors_per_person: float = 1.6  # storefront sessions by people in no other system
    phenomena: bool = True  # the mess of real people (demo/phenomena.py): gifts, typos, many accounts...
    # Persons made, written and freed at a time: memory follows this, not the number of customers.
    # A run of at most this many customers is one chunk (the data it always was).
    chunk_persons: int = DEFAULT_CHUNK_PERSONS
