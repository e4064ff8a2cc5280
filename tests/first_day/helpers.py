"""A new seller's first run: an empty CDW_HOME, some export files (or API fakes), `cdw run`.

Each case runs the README's command as a subprocess, the way a user starts, and reads back what
it printed, what it published and what the build warehouse holds.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.config import WAREHOUSE_CONFIG, WAREHOUSE_CONFIG_ENV
from core.contracts import all_tables

CDW = str(Path(sys.executable).with_name("cdw"))
FIXTURES = Path(__file__).parents[1] / "file_drops" / "fixtures"

EXPORTS = {
    "shopify_orders": "orders_export_1.csv",
    "shopify_customers": "customers_export.csv",
    "amazon_all_orders": "48392017443.txt",
    "klaviyo_profiles": "newsletter_profiles_export.csv",
    "zendesk_tickets": "zendesk/tickets_with_users.json",
    "zendesk_tickets_without_users": "tickets_export.json",
    "zendesk_internal_ticket": "zendesk/internal_ticket_by_an_agent.json",
}


@dataclass
class FirstRun:
    home: Path
    returncode: int
    output: str

    @property
    def build_db(self) -> Path:
        return self.home / "warehouse" / "build.duckdb"

    @property
    def serving_db(self) -> Path:
        return self.home / "warehouse" / "serving.duckdb"

    def serving_tables(self) -> set[str]:
        with duckdb.connect(str(self.serving_db), read_only=True) as con:
            return {f"{s}.{t}" for s, t in con.execute(
                "select table_schema, table_name from information_schema.tables").fetchall()}

    def dagster_records(self) -> tuple[int, int]:
        """Assets and check evaluations the run recorded in the home's Dagster instance."""
        index = self.home / "dagster" / "history" / "runs" / "index.db"
        if not index.exists():
            return 0, 0
        with closing(sqlite3.connect(index)) as con:
            return (con.execute("select count(*) from asset_keys").fetchone()[0],
                    con.execute("select count(*) from asset_check_executions").fetchone()[0])

    def build_rows(self, relation: str) -> int:
        with duckdb.connect(str(self.build_db), read_only=True) as con:
            return con.execute(f"select count(*) from {relation}").fetchall()[0][0]


def first_run(home: Path, exports: list[str], *args: str, env: dict[str, str] | None = None,
              record_in_dagster: bool = False) -> FirstRun:
    """Drop ``exports`` into an empty home's landing folder and run ``cdw run --source drops`` (or ``args``).

    The run's recording in the Dagster instance (``dagster.record_cli_runs``) is switched off, as a
    seller who never opens the UI would, unless ``record_in_dagster``: it adds a thousand SQLite
    writes beside every run, and one case of the matrix (all four exports) is enough to show the
    recording holds on a first day; the demo's tests check what the UI then shows.
    """
    assert not home.exists() or not any(home.iterdir()), "a first run starts from an empty CDW_HOME"
    settings = {}
    if not record_in_dagster:
        config = home.parent / "warehouse.yml"
        config.write_text(WAREHOUSE_CONFIG.read_text().replace("record_cli_runs: true", "record_cli_runs: false"))
        assert "record_cli_runs: false" in config.read_text()
        settings = {WAREHOUSE_CONFIG_ENV: str(config)}
    landing = home / "landing"
    landing.mkdir(parents=True, exist_ok=True)
    for name in exports:
        source = FIXTURES / EXPORTS[name]
        shutil.copy(source, landing / source.name)
    command = [CDW, "run", *(args or ("--source", "drops"))]
    environment = {**os.environ, "CDW_HOME": str(home), "COLUMNS": "200", **settings, **(env or {})}
    result = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=900)
    return FirstRun(home, result.returncode, result.stdout + result.stderr)


def assert_published_with_every_raw_table(run: FirstRun) -> None:
    """The run published; every contract table exists in the build warehouse, typed, empty or not."""
    assert run.returncode == 0, run.output[-4000:]
    assert run.serving_db.exists(), run.output[-2000:]
    tables = run.serving_tables()
    assert {"analytics.fct_orders", "analytics.customer_value", "meta.publication"} <= tables
    with duckdb.connect(str(run.build_db), read_only=True) as con:
        present = {f"{s}.{t}" for s, t in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()}
    missing = sorted(t.qualified_name for t in all_tables() if t.qualified_name not in present)
    assert not missing, f"contract tables missing after the first run: {missing}"
    assert "data by system" in run.output and "entities without data" in run.output
