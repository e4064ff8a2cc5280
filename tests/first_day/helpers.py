"""A new seller's first run: an empty CDW_HOME, some export files (or API fakes), `cdw run`.

Each case runs the README's command as a subprocess, the way a user starts, and reads back what
it printed, what it published and what the build warehouse holds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.contracts import all_tables

CDW = str(Path(sys.executable).with_name("cdw"))
FIXTURES = Path(__file__).parents[1] / "file_drops" / "fixtures"

EXPORTS = {
    "shopify_orders": "orders_export_1.csv",
    "shopify_customers": "customers_export.csv",
    "amazon_all_orders": "48392017443.txt",
    "klaviyo_profiles": "newsletter_profiles_export.csv",
    "zendesk_tickets": "zendesk/tickets_with_users.json",
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

    def build_rows(self, relation: str) -> int:
        with duckdb.connect(str(self.build_db), read_only=True) as con:
            return con.execute(f"select count(*) from {relation}").fetchall()[0][0]


def first_run(home: Path, exports: list[str], *args: str, env: dict[str, str] | None = None) -> FirstRun:
    """Drop ``exports`` into an empty home's landing folder and run ``cdw run --source drops`` (or ``args``)."""
    assert not home.exists() or not any(home.iterdir()), "a first run starts from an empty CDW_HOME"
    landing = home / "landing"
    landing.mkdir(parents=True, exist_ok=True)
    for name in exports:
        source = FIXTURES / EXPORTS[name]
        shutil.copy(source, landing / source.name)
    command = [CDW, "run", *(args or ("--source", "drops"))]
    environment = {**os.environ, "CDW_HOME": str(home), "COLUMNS": "200", **(env or {})}
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
