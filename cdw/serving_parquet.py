"""The Parquet export of the serving copy's analytics schema, kept in step with each publish.

Each publish writes ``<warehouse>/parquet/<run_id>/<table>.parquet`` and then points
``parquet/CURRENT`` at it atomically (:func:`switch_parquet`), removing older exports. A table the
publish kept from the last serving copy is hard-linked from the last export rather than written
again, provided that export belongs to the serving file the publish started from.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from core.duckdb_files import copy_file
from core.sql import literal, quote_identifier

PARQUET_ENV = "CDW_PUBLISH_PARQUET"
ANALYTICS = "analytics"


def parquet_wanted(parquet: bool | None, root: Path) -> bool:
    """Explicit choice; else ``CDW_PUBLISH_PARQUET``; else keep an existing export in step with serving."""
    if parquet is not None:
        return parquet
    return os.environ.get(PARQUET_ENV, "").lower() in ("1", "true", "yes") or (root / "CURRENT").exists()


def previous_export(root: Path, previous_run: str | None, folder: Path) -> Path | None:
    """The export of ``previous_run`` (the serving file the publish started from) when it is there to reuse."""
    if previous_run is None or not (root / "CURRENT").exists():
        return None
    current = root / (root / "CURRENT").read_text().strip()
    same_run = current.name == previous_run and current != folder
    return current if same_run and current.is_dir() else None


def export_parquet(con: duckdb.DuckDBPyConnection, catalog: str, tables: dict[str, int], reused: set[str],
                   folder: Path, reuse_from: Path | None) -> None:
    """Write the ``analytics.*`` of ``tables`` from the attached ``catalog``; ``reused`` ones are linked."""
    folder.mkdir(parents=True, exist_ok=True)
    for key in tables:
        schema, _, name = key.partition(".")
        if schema != ANALYTICS:
            continue
        target = folder / f"{name}.parquet"
        old = reuse_from / target.name if reuse_from is not None else None
        if key in reused and old is not None and old.is_file():
            _link_or_copy(old, target)
        else:
            source = f"{quote_identifier(catalog)}.{ANALYTICS}.{quote_identifier(name)}"
            con.execute(f"copy {source} to {literal(str(target))} (format parquet)")


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link (the old export's folder is removed after the switch; the file lives on), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        copy_file(source, target)


def switch_parquet(root: Path, run_id: str) -> None:
    """Point ``CURRENT`` at the new export atomically, then remove older exports."""
    pointer = root / "CURRENT"
    staging = root / f".CURRENT.{os.getpid()}.tmp"
    staging.write_text(run_id + "\n")
    os.replace(staging, pointer)
    for folder in root.iterdir():
        if folder.is_dir() and folder.name != run_id:
            shutil.rmtree(folder, ignore_errors=True)
