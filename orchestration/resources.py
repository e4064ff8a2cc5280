"""Settings every asset shares: where the warehouse lives, where raw data comes from, how syncs send."""

import os
from pathlib import Path

import dagster as dg

from activation import ActivationConfig, load_config
from core.settings import Paths, get_paths

WRITER_POOL = "duckdb_warehouse"
"""Concurrency pool of every step that writes the build warehouse: DuckDB allows one writing process,
and the instance (``dagster.yaml``) limits every pool to one step at a time across all runs."""


class WarehouseResource(dg.ConfigurableResource):
    """Location of the run-time home (``CDW_HOME``) and the data source to ingest.

    ``source`` is ``demo`` (generate demo vendor files, then land them) or ``landing`` (land the
    vendor export files dropped in ``<home>/landing``); ``$CDW_SOURCE`` sets the default.
    ``as_of`` (ISO date or timestamp, UTC) is the reference time of time-dependent models and the
    CLV fit; empty means the demo data's last day for demo data, else now. The activation lane's
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

    @property
    def landing_dir(self) -> Path:
        return self.paths.demo_landing if self.source == "demo" else self.paths.landing


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

    def is_dry_run(self, warehouse: WarehouseResource) -> bool:
        return warehouse.source == "demo" if self.dry_run is None else self.dry_run
