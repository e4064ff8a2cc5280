"""Where everything lives. One place, so the CLI, Dagster, dbt and the tests agree.

All run-time state sits under ``CDW_HOME`` (default: ``<repo>/var``), so a test can point a
whole pipeline at a temporary directory by setting one environment variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
CONTRACTS_DIR = REPO_ROOT / "ingestion" / "contracts"

DEFAULT_DEMO_CUSTOMERS = 20_000
DEFAULT_DEMO_SEED = 42


@dataclass(frozen=True)
class Paths:
    """Run-time locations derived from one home directory."""

    home: Path

    @property
    def landing(self) -> Path:
        """Folder where vendor export files are dropped (``landing/<system>/...``)."""
        return self.home / "landing"

    @property
    def demo_landing(self) -> Path:
        """Where the demo generator writes what the four vendors would hand over."""
        return self.home / "demo" / "landing"

    @property
    def truth(self) -> Path:
        """The generator's ground truth; never read by the pipeline, only by tests and scoring."""
        return self.home / "demo" / "truth"

    @property
    def warehouse_dir(self) -> Path:
        return self.home / "warehouse"

    @property
    def build_db(self) -> Path:
        """The build warehouse the pipeline writes (one writer at a time)."""
        return self.warehouse_dir / "build.duckdb"

    @property
    def serving_db(self) -> Path:
        """The published, validated copy that analysts and BI read."""
        return self.warehouse_dir / "serving.duckdb"

    @property
    def dlt_dir(self) -> Path:
        """dlt pipeline working state (load packages, local state)."""
        return self.home / "dlt"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def runs_dir(self) -> Path:
        """Run summaries written by the CLI (JSON), newest last."""
        return self.home / "runs"

    def ensure(self) -> Paths:
        for path in (self.landing, self.demo_landing, self.truth, self.warehouse_dir, self.dlt_dir,
                     self.dagster_home, self.runs_dir):
            path.mkdir(parents=True, exist_ok=True)
        return self


def get_paths() -> Paths:
    """Paths for the current environment (``CDW_HOME`` or ``<repo>/var``)."""
    return Paths(Path(os.environ.get("CDW_HOME", REPO_ROOT / "var")).resolve())
