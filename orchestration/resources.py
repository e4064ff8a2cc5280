"""Settings every asset shares: where the warehouse lives, where raw data comes from, how syncs send.

Assets turn the warehouse resource into a :class:`cdw.context.RunContext` and call the same step
functions as the command line (:mod:`cdw.steps`).
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from activation import ActivationConfig, load_config
from cdw.context import RunContext, make_context
from cdw.lock import run_lock
from core.settings import Paths, get_paths

WRITER_POOL = "duckdb_warehouse"
"""Concurrency pool of every step that writes the build warehouse: DuckDB allows one writing process,
and the instance (``dagster.yaml``) limits every pool to one step at a time across all runs."""
LOCK_WAIT_SECONDS = 3600.0
"""How long a Dagster step waits for a command-line run that holds the writer lock."""


class WarehouseResource(dg.ConfigurableResource):
    """Location of the run-time home (``CDW_HOME``), the data source, and the run's as-of.

    ``source`` is ``demo`` (generate demo vendor files, then land them), ``drops`` (the vendor
    export files and Parquet files dropped in ``<home>/landing``, flat or per vendor; ``landing``
    is accepted as a synonym) or ``api``; ``$CDW_SOURCE`` sets the default. ``as_of`` (a date,
    meaning the end of that day, or a timestamp; UTC) is the reference time of time-dependent
    models and the CLV fit; empty means the demo data's last day for demo data, else now
    (:func:`core.as_of.resolve_as_of`, the same rule as the command line). The activation lane's
    schedule passes its tick time, so a lane run is reproducible.
    """

    home: str = str(get_paths().home)
    source: str = os.environ.get("CDW_SOURCE", "demo")
    demo_customers: int = 20_000
    demo_seed: int = 42
    as_of: str | None = None

    @property
    def paths(self) -> Paths:
        return Paths(Path(self.home)).ensure()

    def run_context(self, run_id: str, selection: str | None = None) -> RunContext:
        return make_context(home=self.home, source=self.source, as_of=self.as_of or None, run_id=run_id,
                            demo_customers=self.demo_customers, demo_seed=self.demo_seed, selection=selection)


@contextmanager
def writer(ctx: RunContext, context: dg.OpExecutionContext | dg.AssetCheckExecutionContext) -> Iterator[None]:
    """Hold the warehouse writer lock for one step (waiting for a command-line run that holds it)."""
    with run_lock(ctx.paths, f"dagster run {context.run.run_id}", ctx.run_id, wait=LOCK_WAIT_SECONDS):
        yield


class ActivationResource(dg.ConfigurableResource):
    """How outgoing syncs run: which configuration files, and whether they really send.

    ``syncs_file`` / ``destinations_file`` default to ``$CDW_ACTIVATION_*`` or the files beside
    the ``activation`` package. ``dry_run``: ``None`` plans without sending when the warehouse
    holds demo data (fake people must never reach a real marketing tool) and sends otherwise.
    """

    syncs_file: str | None = None
    destinations_file: str | None = None
    dry_run: bool | None = None

    def config(self) -> ActivationConfig:
        return load_config(self.syncs_file, self.destinations_file)
