"""Rejected files leave the landing folder: ``<landing>/rejected/<file>`` plus ``<file>.reason.txt``.

A file that cannot be loaded would otherwise stay where it was dropped, be rejected again on every
run, and say nothing to the person looking at the folder. Moving it keeps it (nothing is deleted:
fix it and drop it again), puts the reason beside it in plain words, and takes it out of every
later run (``rejected/`` is never read). A vendor subfolder is kept
(``landing/shopify/x.csv`` -> ``landing/rejected/shopify/x.csv``); a different file already there
under the same name is not overwritten (``x-<sha8>.csv``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ingestion.file_drops.discover import REJECTED_DIR, file_sha256

REASON_SUFFIX = ".reason.txt"


@dataclass(frozen=True)
class Moved:
    """Where a rejected file went (paths relative to the landing folder)."""

    moved_to: str | None
    """``rejected/<file>``; None when it could not be moved (it stays, and is rejected again next run)."""
    reason_file: str | None
    note: str = ""
    """Why it could not be moved, when it could not."""


def move_rejected(drop_dir: Path, relative: str, problem: str, when: datetime, sha256: str | None = None) -> Moved:
    """Move ``<drop_dir>/<relative>`` to ``rejected/`` and write the reason beside it."""
    drop_dir = Path(drop_dir)
    source = drop_dir / relative
    target = _free_target(drop_dir / REJECTED_DIR / relative, source, sha256)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
    except OSError as error:
        return Moved(None, None, f"could not be moved to {REJECTED_DIR}/ ({error.strerror or error})")
    reason = target.with_name(target.name + REASON_SUFFIX)
    try:
        reason.write_text(reason_text(relative, problem, when, sha256), encoding="utf-8")
    except OSError:
        return Moved(target.relative_to(drop_dir).as_posix(), None)
    return Moved(target.relative_to(drop_dir).as_posix(), reason.relative_to(drop_dir).as_posix())


def reason_text(relative: str, problem: str, when: datetime, sha256: str | None) -> str:
    """What ``<file>.reason.txt`` says."""
    lines = [
        f"{relative} was rejected on {when:%Y-%m-%d %H:%M:%S} UTC; nothing from it was loaded.",
        "",
        f"Problem: {problem}",
        "",
        "Fix the file (or download the export again) and drop it into the landing folder again;",
        "supported exports and how to download them: ingestion/file_drops/README.md.",
        "Files in this rejected/ folder are never read.",
    ]
    if sha256:
        lines += ["", f"sha256: {sha256}"]
    return "\n".join(lines) + "\n"


def _free_target(target: Path, source: Path, sha256: str | None) -> Path:
    """``target``, or ``<stem>-<sha8><suffix>`` when a different file already has that name."""
    if not target.exists():
        return target
    try:
        digest = sha256 or file_sha256(source)
        if file_sha256(target) == digest:
            return target  # the same content rejected before: replace it
    except OSError:
        digest = sha256 or "00000000"
    return target.with_name(f"{target.stem}-{digest[:8]}{target.suffix}")


def rejected_files(drop_dir: Path) -> dict[str, str]:
    """Files waiting in ``<drop_dir>/rejected/`` and the problem their reason file names (for ``cdw status``)."""
    folder = Path(drop_dir) / REJECTED_DIR
    if not folder.is_dir():
        return {}
    found: dict[str, str] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.endswith(REASON_SUFFIX)):
        reason = path.with_name(path.name + REASON_SUFFIX)
        problem = ""
        if reason.is_file():
            problem = next((line.removeprefix("Problem: ") for line in reason.read_text(encoding="utf-8").splitlines()
                            if line.startswith("Problem: ")), "")
        found[path.relative_to(drop_dir).as_posix()] = problem
    return found
