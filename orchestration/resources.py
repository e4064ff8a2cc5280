"""Settings every asset shares: where the warehouse lives and where raw data comes from."""

from pathlib import Path

import dagster as dg

from cdw.settings import Paths, get_paths


class WarehouseResource(dg.ConfigurableResource):
    """Location of the run-time home (``CDW_HOME``) and the data source to ingest.

    ``source`` is ``demo`` (generate demo vendor files, then land them) or ``landing`` (land the
    vendor export files dropped in ``<home>/landing``).
    """

    home: str = str(get_paths().home)
    source: str = "demo"
    demo_customers: int = 20_000
    demo_seed: int = 42

    @property
    def paths(self) -> Paths:
        return Paths(Path(self.home)).ensure()

    @property
    def landing_dir(self) -> Path:
        return self.paths.demo_landing if self.source == "demo" else self.paths.landing
