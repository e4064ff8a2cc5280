"""Where a benchmark works: the folder asked for (kept), or a temp folder removed however the run ends."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def run_root(keep: Path | None, prefix: str) -> Iterator[Path]:
    """``keep`` as it is, or a new temp folder named ``<prefix>...``, removed afterwards (an L run writes
    about 30 GB)."""
    if keep is not None:
        yield keep
        return
    root = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)
