"""What earlier chunks already gave out and a later chunk must not reuse.

Two persons of different chunks must never share an inbox (identity resolution would rightly
merge them, and the truth would call that an error), and two companies must never share a
purchasing inbox. Chunks are made one after the other, so each keeps out of what the earlier
ones used: the inboxes as 64-bit hashes (8 bytes per person, 8 MB at a million customers; a
hash collision only makes an address take a distinguishing number it did not need) and the
business e-mail domains (a few hundred at most).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from pandas.util import hash_array


@dataclass
class Taken:
    """Inboxes and business domains of the chunks made so far."""

    inbox_hashes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))  # sorted
    business_domains: set[str] = field(default_factory=set)

    def has_inbox(self, inboxes: np.ndarray) -> np.ndarray:
        """Per inbox text (``local@domain`` as compared): whether an earlier chunk used it."""
        if len(self.inbox_hashes) == 0:
            return np.zeros(len(inboxes), dtype=bool)
        hashes = _hashes(inboxes)
        position = np.minimum(np.searchsorted(self.inbox_hashes, hashes), len(self.inbox_hashes) - 1)
        return self.inbox_hashes[position] == hashes

    def add_inboxes(self, inboxes: np.ndarray) -> None:
        merged = np.concatenate([self.inbox_hashes, _hashes(inboxes)])
        merged.sort(kind="stable")  # two sorted runs (after the first chunk): a merge, not a full sort
        self.inbox_hashes = merged

    def add_business_domains(self, domains: list[str]) -> None:
        self.business_domains.update(domains)


def _hashes(inboxes: np.ndarray) -> np.ndarray:
    return hash_array(np.asarray(inboxes, dtype=object), categorize=False)
