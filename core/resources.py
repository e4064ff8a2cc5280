"""How much of the machine DuckDB may use, and where it spills: one answer for every step.

``config/warehouse.yml`` (section ``duckdb``) says it as a share of this machine's memory or a
size, and a spill folder; :func:`duckdb_resources` turns that into DuckDB settings. dbt reads them
through its profile (``dbt_invocation_env``), the Python steps through
:func:`core.duckdb_files.apply_resources`, dlt through its credentials. A build bigger than the
limit then spills to disk instead of being killed for memory.

The ingest step's work database has a limit of its own, ``ingest_memory_limit``
(:func:`ingest_resources`): it holds a seller's new files while they are checked, and DuckDB keeps
blocks cached up to its limit, so without one of its own ingest would grow with the files.

Overrides for one shell: ``$CDW_DUCKDB_MEMORY_LIMIT`` (``"6GB"``, ``"40%"``),
``$CDW_DUCKDB_INGEST_MEMORY_LIMIT`` and ``$CDW_DUCKDB_TEMP_DIRECTORY``. DuckDB's worker threads
stay its own default (one per core).

How many models dbt builds at once (``dbt_threads``, ``$CDW_DBT_THREADS``) is part of the same
answer: the models dbt runs side by side share one DuckDB instance and its memory limit. ``auto``
builds two at once while the warehouse file is small beside the limit, and one at a time once it
holds more than a third of it: big models then each want most of the limit, and two of them evict
and spill each other's blocks (at 1M customers one at a time built in 480 s with 763 CPU s, two at
a time in 503 s with 825 CPU s; at 20,000 customers two at a time stay faster, 30 s against 35 s).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from core.config import ConfigFileError, warehouse_settings

MEMORY_ENV = "CDW_DUCKDB_MEMORY_LIMIT"
INGEST_MEMORY_ENV = "CDW_DUCKDB_INGEST_MEMORY_LIMIT"
TEMP_ENV = "CDW_DUCKDB_TEMP_DIRECTORY"
DBT_THREADS_ENV = "CDW_DBT_THREADS"
AUTO = "auto"
SMALL_WAREHOUSE_SHARE = 1 / 3
"""``auto`` builds two models at once while the warehouse file is at most this share of the limit."""
CGROUP_LIMITS = (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"))
UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4,
         "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4}
SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)
SHARE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


@dataclass(frozen=True)
class DuckDBResources:
    """DuckDB's ``memory_limit`` (bytes) and spill folder."""

    memory_limit_bytes: int
    temp_directory: Path
    dbt_threads: int = 2

    @property
    def memory_limit(self) -> str:
        """The limit as DuckDB reads it (whole MiB)."""
        return f"{max(1, self.memory_limit_bytes // 1024**2)}MiB"

    def settings(self) -> dict[str, str]:
        """``SET`` name -> value, for a connection or a dbt profile."""
        return {"memory_limit": self.memory_limit, "temp_directory": str(self.temp_directory)}

    def environment(self) -> dict[str, str]:
        """What dbt's profile reads (``dbt_project/profiles.yml``)."""
        return {MEMORY_ENV: self.memory_limit, TEMP_ENV: str(self.temp_directory),
                DBT_THREADS_ENV: str(self.dbt_threads)}


def machine_memory_bytes() -> int:
    """Physical memory, or the container's memory limit when that is lower."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for path in CGROUP_LIMITS:
        try:
            text = path.read_text().strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < total:
            total = int(text)
    return total


def parse_memory(value: str | int, where: str, machine: int | None = None) -> int:
    """``"60%"`` of the machine, ``"8GB"``/``"6GiB"``/``"512MB"``, or bytes -> bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value > 0:
            return value
        raise ConfigFileError(f"{where}: a memory limit must be positive, got {value}")
    text = str(value)
    share = SHARE.match(text)
    if share:
        percent = float(share.group(1))
        if not 0 < percent <= 100:
            raise ConfigFileError(f"{where}: a share of memory is between 0% and 100%, got {text!r}")
        return int((machine or machine_memory_bytes()) * percent / 100)
    size = SIZE.match(text)
    unit = size.group(2).lower() if size else ""
    if not size or (unit or "b") not in UNITS or float(size.group(1)) <= 0:
        raise ConfigFileError(f"{where}: {text!r} is not a memory size; write a share such as '60%' or a size "
                              "such as '8GB', '6GiB' or '512MB'")
    return int(float(size.group(1)) * UNITS[unit or "b"])


def duckdb_resources(database: Path) -> DuckDBResources:
    """The settings for the warehouse file ``database``: environment overrides, then ``config/warehouse.yml``.

    The spill folder defaults to ``spill`` beside the file (``<CDW_HOME>/warehouse/spill``); a
    relative configured folder is taken from there too.
    """
    configured = warehouse_settings().duckdb
    memory = os.environ.get(MEMORY_ENV) or configured.memory_limit
    where = f"${MEMORY_ENV}" if os.environ.get(MEMORY_ENV) else "config/warehouse.yml: duckdb.memory_limit"
    temp = os.environ.get(TEMP_ENV) or configured.temp_directory
    temp_directory = Path(temp).expanduser() if temp else Path("spill")
    if not temp_directory.is_absolute():
        temp_directory = Path(database).resolve().parent / temp_directory
    limit = parse_memory(memory, where)
    return DuckDBResources(memory_limit_bytes=limit, temp_directory=temp_directory,
                           dbt_threads=dbt_threads(Path(database), limit))


def dbt_threads(database: Path, memory_limit_bytes: int) -> int:
    """Models dbt builds at once on ``database``: ``$CDW_DBT_THREADS``, else ``duckdb.dbt_threads``;
    ``auto`` is 2, or 1 once the file holds more than :data:`SMALL_WAREHOUSE_SHARE` of the limit."""
    override = os.environ.get(DBT_THREADS_ENV)
    value = override or warehouse_settings().duckdb.dbt_threads
    where = f"${DBT_THREADS_ENV}" if override else "config/warehouse.yml: duckdb.dbt_threads"
    text = str(value).strip().lower()
    if text == AUTO:
        size = database.stat().st_size if database.is_file() else 0
        return 1 if size > memory_limit_bytes * SMALL_WAREHOUSE_SHARE else 2
    if text.isdigit() and int(text) > 0:
        return int(text)
    raise ConfigFileError(f"{where}: dbt threads are a whole number of at least 1 or 'auto', got {value!r}")


def ingest_resources(database: Path) -> DuckDBResources:
    """The settings of the ingest step's work database beside the warehouse file ``database``: the
    lower of ``ingest_memory_limit`` (``$CDW_DUCKDB_INGEST_MEMORY_LIMIT`` first) and the general
    limit, and the same spill folder."""
    general = duckdb_resources(database)
    configured = warehouse_settings().duckdb
    override = os.environ.get(INGEST_MEMORY_ENV)
    where = f"${INGEST_MEMORY_ENV}" if override else "config/warehouse.yml: duckdb.ingest_memory_limit"
    ingest = parse_memory(override or configured.ingest_memory_limit, where)
    return DuckDBResources(memory_limit_bytes=min(ingest, general.memory_limit_bytes),
                           temp_directory=general.temp_directory)
