"""Opening the warehouse's DuckDB files from code that may share a process with dbt."""

from __future__ import annotations

import errno
import os
import shutil
from contextlib import suppress
from pathlib import Path

import duckdb

from core.resources import DuckDBResources, duckdb_resources
from core.sql import literal

COPY_CHUNK = 16 * 1024 * 1024
NO_KERNEL_COPY = {errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL, errno.EPERM}
"""What ``copy_file_range`` answers where the kernel or filesystem cannot copy: fall back to a plain copy."""


def connect_for_reading(db: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection, or a regular one when this process already has the file open.

    DuckDB keeps one instance per file per process (dbt run in process keeps its own open) and
    refuses a second connection with another configuration.
    """
    try:
        return duckdb.connect(str(db), read_only=True)
    except duckdb.ConnectionException:
        return duckdb.connect(str(db))


def apply_resources(con: duckdb.DuckDBPyConnection, database: Path) -> duckdb.DuckDBPyConnection:
    """Give the connection's DuckDB instance the configured memory limit and spill folder.

    The settings belong to the instance (every connection to the same file in this process shares
    them), so dbt's in-process connection and the steps' agree. An instance that has already spilled
    keeps its folder (DuckDB cannot switch it then).
    """
    resources = duckdb_resources(database)
    return set_memory_and_spill(con, resources.memory_limit, resources.temp_directory)


def set_memory_and_spill(con: duckdb.DuckDBPyConnection, memory_limit: str, temp_directory: Path
                         ) -> duckdb.DuckDBPyConnection:
    """Set the instance's memory limit and spill folder; an instance that has already spilled keeps
    its folder (DuckDB refuses to set it again then, even to the same one)."""
    temp_directory.mkdir(parents=True, exist_ok=True)
    con.execute(f"set memory_limit = {literal(memory_limit)}")
    current = con.execute("select current_setting('temp_directory')").fetchall()[0][0]
    if current != str(temp_directory):
        # "cannot switch temporary directory after the current one has been used": keep it
        with suppress(duckdb.NotImplementedException):
            con.execute(f"set temp_directory = {literal(str(temp_directory))}")
    return con


def connect_warehouse(database: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse file ``database`` with the configured memory limit and spill folder."""
    return apply_resources(duckdb.connect(str(database), read_only=read_only), database)


def connect_work(beside: Path, resources: DuckDBResources | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for a step's own work (Splink's scoring, ingest's checks), with the
    configured resources of the warehouse file ``beside`` (or ``resources``) and its spill folder."""
    resources = resources or duckdb_resources(beside)
    resources.temp_directory.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(":memory:", config=resources.settings())


def copy_file(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` byte for byte without re-encoding anything.

    ``copy_file_range`` lets the kernel copy (and share extents on filesystems with reflinks, such as
    Btrfs and XFS); where it is not supported (another filesystem, an old kernel) a plain copy.
    """
    with source.open("rb") as src, target.open("wb") as dst:
        remaining = os.fstat(src.fileno()).st_size
        try:
            while remaining > 0:
                copied = os.copy_file_range(src.fileno(), dst.fileno(), remaining)
                if copied == 0:
                    break
                remaining -= copied
        except OSError as exc:
            if exc.errno not in NO_KERNEL_COPY:
                raise
            src.seek(0)
            dst.seek(0)
            dst.truncate()
            shutil.copyfileobj(src, dst, COPY_CHUNK)
