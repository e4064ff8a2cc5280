"""Peak resident memory of one stretch of work: this process and every process it started.

``ru_maxrss`` only ever grows over a process's life, so it cannot say which step of a run needed
the memory. :class:`PeakMemory` samples the resident set of this process and its descendants
(dlt's workers, a dbt subprocess) from ``/proc`` while the block runs and keeps the highest sum.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import TracebackType

PAGE = os.sysconf("SC_PAGE_SIZE")
INTERVAL_SECONDS = 0.1


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _resident(pid: int) -> int:
    try:
        return int((Path("/proc") / str(pid) / "statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def resident_with_children(pid: int | None = None) -> int:
    """Bytes resident now in ``pid`` (default: this process) and all its descendants."""
    root = pid or os.getpid()
    tree = _children()
    total, stack = 0, [root]
    while stack:
        current = stack.pop()
        total += _resident(current)
        stack.extend(tree.get(current, []))
    return total


class PeakMemory:
    """``with PeakMemory() as peak: ...`` then ``peak.bytes``: the highest sampled resident set."""

    def __init__(self) -> None:
        self.bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="peak-memory", daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.bytes = max(self.bytes, resident_with_children())
            self._stop.wait(INTERVAL_SECONDS)

    def __enter__(self) -> PeakMemory:
        self.bytes = resident_with_children()
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        self.bytes = max(self.bytes, resident_with_children())

    @property
    def megabytes(self) -> int:
        return round(self.bytes / 1024**2)
