"""Run one ingest in this process and SIGKILL it at a chosen stage (the crash tests start it as a subprocess).

    python -m tests.ingestion.crash_runner <door> <stage> <nth> <landing> <warehouse> <pipelines_dir>

``door``: ``drops`` (:func:`ingestion.file_drops.load_drops`) or ``landing`` (canonical Parquet,
:func:`ingestion.load.load_landing`). The process kills itself (``SIGKILL``: no cleanup, no
``finally``, no atexit) on the ``nth`` call of the stage's hook; without a kill it exits 0.
Production code has no test hooks: the stages are reached by wrapping dlt's and our functions here.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

STAGES = ("extract", "extracted", "normalize", "normalized", "load", "copied", "appended", "saving", "loaded",
          "recorded")
"""Where a run can die, in pipeline order:

- ``extract``: inside extraction (the table rows are in dlt's extract files; the quarantine
  resource has not run), per system;
- ``extracted``: the package is committed as extracted, normalize not started, per system;
- ``normalize``: normalized files written, the package not yet moved to the load storage, per system;
- ``normalized``: the package is normalized, loading not started, per system;
- ``load``: at the start of the nth DuckDB copy job (earlier jobs of the package loaded);
- ``copied``: right after the nth DuckDB copy job put its rows into the staging table, before dlt
  records the job done (resumed, the job is copied again);
- ``appended``: right after the nth DuckDB copy job into a table the package appends to (it held no
  row when the load began, no staging table), before dlt records the job done (resumed, the job
  is copied into the table itself again);
- ``saving``: dlt saving a file of a package being loaded (a job's state) has written it under its
  temporary name and not yet renamed it (the nth such save); dlt saves this way on its loader
  threads, so a kill at any stage can fall there;
- ``loaded``: every job done, the package not yet marked loaded (no ``_dlt_loads`` row), per system;
- ``recorded`` (drops only): the packages are loaded, ``raw_file_drops.processed_files`` not yet written.
"""


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def on_call(nth: int, function: Callable[..., Any], *, after: bool = False,
            counted: Callable[..., bool] = lambda *_args: True) -> Callable[..., Any]:
    """``function``, killing the process before (or after) its ``nth`` call among those ``counted``
    (called with the same arguments) accepts."""
    calls = 0
    counting = threading.Lock()

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        if not counted(*args):
            return function(*args, **kwargs)
        with counting:  # dlt runs load jobs on a thread pool
            calls += 1
            this_call = calls
        if this_call == nth and not after:
            die()
        result = function(*args, **kwargs)
        if this_call == nth and after:
            die()
        return result

    return wrapper


def appends(job: Any) -> bool:
    """Whether a copy job loads into a table its package appends to (not one of dlt's own tables)."""
    table = job._load_table  # noqa: SLF001 - the job's table as the package declares it
    return table.get("write_disposition") == "append" and not table["name"].startswith("_dlt")


class _DieOnRename:
    """``os`` for dlt's file storage module, dying where a save would rename its temporary file."""

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    @staticmethod
    def replace(*_args: Any, **_kwargs: Any) -> None:
        die()


def half_save_in(nth: int, storage: str, save_atomic: Callable[..., Any]) -> Callable[..., Any]:
    """dlt's ``FileStorage.save_atomic``, killing the process on its ``nth`` save into ``storage`` (a
    folder name) after the temporary file is written, before it is renamed."""
    from dlt.common.storages import file_storage

    calls = 0
    counting = threading.Lock()

    def save(storage_path: str, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        if Path(storage_path).name == storage:
            with counting:
                calls += 1
                if calls == nth:
                    file_storage.os = _DieOnRename()  # type: ignore[assignment]
        return save_atomic(storage_path, *args, **kwargs)

    return save


def arm(stage: str, nth: int) -> None:
    """Install the kill for ``stage``."""
    from dlt.common.storages.file_storage import FileStorage
    from dlt.destinations.impl.duckdb.duck import DuckDbCopyJob
    from dlt.load.load import Load
    from dlt.normalize.normalize import Normalize
    from dlt.pipeline.pipeline import Pipeline

    import ingestion.file_drops.load as drops_load
    from ingestion.landing_source import LandingReader

    if stage == "extract":
        LandingReader.quarantine_rows = on_call(nth, LandingReader.quarantine_rows)  # type: ignore[method-assign]
    elif stage == "extracted":
        Pipeline.normalize = on_call(nth, Pipeline.normalize)  # type: ignore[method-assign]
    elif stage == "normalize":
        Normalize.map_single = on_call(nth, Normalize.map_single, after=True)  # type: ignore[method-assign]
    elif stage == "normalized":
        Pipeline.load = on_call(nth, Pipeline.load)  # type: ignore[method-assign]
    elif stage == "load":
        DuckDbCopyJob.run = on_call(nth, DuckDbCopyJob.run)  # type: ignore[method-assign]
    elif stage == "copied":
        DuckDbCopyJob.run = on_call(nth, DuckDbCopyJob.run, after=True)  # type: ignore[method-assign]
    elif stage == "appended":
        DuckDbCopyJob.run = on_call(nth, DuckDbCopyJob.run, after=True, counted=appends)  # type: ignore[method-assign]
    elif stage == "saving":
        FileStorage.save_atomic = staticmethod(half_save_in(nth, "normalized", FileStorage.save_atomic))  # type: ignore[method-assign]
    elif stage == "loaded":
        Load.complete_package = on_call(nth, Load.complete_package)  # type: ignore[method-assign]
    elif stage == "recorded":
        drops_load.record_processed = on_call(nth, drops_load.record_processed)  # type: ignore[assignment]
    else:
        raise SystemExit(f"unknown stage {stage!r}; one of {', '.join(STAGES)}")


def ingest(door: str, landing: Path, warehouse: Path, pipelines_dir: Path) -> None:
    if door == "drops":
        from ingestion.file_drops import load_drops

        load_drops(landing, warehouse, pipelines_dir)
    elif door == "landing":
        from ingestion.load import load_landing

        load_landing(landing, warehouse, pipelines_dir)
    else:
        raise SystemExit(f"unknown door {door!r}")


def main(argv: list[str]) -> None:
    door, stage, nth, landing, warehouse, pipelines_dir = argv
    arm(stage, int(nth))
    ingest(door, Path(landing), Path(warehouse), Path(pipelines_dir))


if __name__ == "__main__":
    main(sys.argv[1:])
