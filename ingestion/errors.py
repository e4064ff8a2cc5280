"""Errors of the ingestion layer that stop a load (as opposed to dirty rows, which are quarantined)."""

from __future__ import annotations

from pathlib import Path


class LandingFileError(ValueError):
    """A landing file cannot be loaded at all, so nothing from it lands.

    Raised for a file that is not readable Parquet, whose columns clash after renaming to the
    landed names, or that lacks a column the contract requires. The message names the file and
    the problem, so the person who dropped the file can fix it.
    """

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")
