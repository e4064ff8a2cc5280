"""Kill -9 an ingest at every stage, drop new files, ingest again: every file lands exactly once.

Both doors: vendor export files (``load_drops``) and canonical Parquet landing files
(``load_landing``, the demo and API-shaped path, which keeps file hashes in dlt's source state).
Every vendor has loaded before (an ordinary run); then new files of three vendors are dropped and
the run loading them is killed, a real subprocess receiving SIGKILL
(``tests/ingestion/crash_runner.py``): in extraction, with a package extracted, in normalisation,
with a package normalized, between two load jobs, right after a job's copy (before dlt records it
done: resumed, the job is copied again), right after such a copy into a table loaded for the first
time (appended, no staging table: the second copy lands in the table itself), while a file dlt saves is half written
(its temporary name not yet renamed), with every job done but the package not marked loaded,
and (drops) between the load and the ``processed_files`` record. The kill falls after some vendors
loaded and before others. More files are dropped; then one ordinary run must leave the
warehouse exactly as a clean run of the same files: the same rows (no duplicates, nothing lost),
the same quarantine, the same ``processed_files``, nothing pending, no copy of customer rows left
in the working folders; and a further run changes nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from core.contracts import load_contracts
from ingestion.file_drops import load_drops
from ingestion.file_drops.load import CONVERSION_DIR
from ingestion.load import load_landing
from tests.file_drops.conftest import EXPORTED_AT, FIXTURES, fixture_copy
from tests.ingestion.test_load import (
    FEEDBACK,
    FEEDBACK_NAMES,
    LINE_ITEMS,
    MEMBERS,
    T0,
    TICKETS,
    USERS,
    user,
    write_landing,
)

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
VOLATILE = {"_dlt_load_id", "_dlt_id", "_cdw_loaded_at", "quarantined_at", "loaded_at"}
"""Columns that name the run or the moment, not the data."""

def stamped(path: Path, text: str) -> None:
    """Write a derived export with the fixtures' fixed modification time (dateless exports use it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, (EXPORTED_AT.timestamp(), EXPORTED_AT.timestamp()))


def drops_before(landing: Path) -> None:
    """Loaded by an ordinary run before the crash: every vendor already has data (the realistic case)."""
    for name in ("customers_export.csv", "48392017443.txt", "newsletter_profiles_export.csv",
                 "tickets_export_2024-05-20.csv"):
        fixture_copy(name, landing)


def drops_killed(landing: Path) -> None:
    """Dropped before the killed run: three vendors' files (amazon, shopify, zendesk load in that order)."""
    fixture_copy("orders_export_1.csv", landing)
    fixture_copy("zendesk/tickets_with_users.json", landing)
    report = (FIXTURES / "48392017443.txt").read_text()
    stamped(landing / "48392017450.txt", report.replace("113-48", "113-58").replace("111-99", "111-89"))


def drops_after(landing: Path) -> None:
    """Dropped after the crash, before the next run: a new file for each vendor of the killed run."""
    text = (FIXTURES / "orders_export_1.csv").read_text().replace("#104", "#204").replace("61044", "71044")
    stamped(landing / "orders_export_2024-06.csv", text)
    fixture_copy("tickets_export.json", landing)
    fixture_copy("57281930455.txt", landing)


def land_before(landing: Path) -> None:
    write_landing(landing, "zendesk", "users", USERS)
    write_landing(landing, "zendesk", "tickets", TICKETS, names={"requester_id": "requester-id"})
    write_landing(landing, "klaviyo", "list_members", MEMBERS)
    write_landing(landing, "shopify", "orders__line_items", LINE_ITEMS)


def land_killed(landing: Path) -> None:
    """Three vendors' new files (klaviyo, shopify, zendesk load in that order); Klaviyo's lists land
    for the first time (appended: the table is empty)."""
    write_landing(landing, "klaviyo", "lists", [{"id": "L1", "attributes__name": "Newsletter",
                                                 "attributes__updated": "2024-06-01T00:00:00Z"},
                                                {"id": "L2", "attributes__name": "VIP", "attributes__updated": T0}])
    write_landing(landing, "klaviyo", "list_members", [{**m, "profile_id": m["profile_id"] + "b"} for m in MEMBERS],
                  name="2024-06-01.parquet")
    write_landing(landing, "shopify", "orders__line_items", [{**li, "id": li["id"] + 10} for li in LINE_ITEMS],
                  name="2024-06-01.parquet")
    write_landing(landing, "zendesk", "users", [user(1, "2024-06-01T00:00:00Z", name="Ann v3"), user(7, name="Gus"),
                                                user(5, name="Eve", email="eve(at)example.com")],
                  name="2024-06-01.parquet")


def land_after(landing: Path) -> None:
    """A new file for each vendor of the killed run, and one for a vendor with no data yet."""
    write_landing(landing, "klaviyo", "list_members", [{**m, "list_id": "L3"} for m in MEMBERS[:2]],
                  name="2024-07-01.parquet")
    write_landing(landing, "shopify", "orders__line_items", [{**li, "id": li["id"] + 20} for li in LINE_ITEMS[:1]],
                  name="2024-07-01.parquet")
    write_landing(landing, "zendesk", "users", [user(1, "2024-07-01T00:00:00Z", name="Ann v4"), user(8, name="Hal")],
                  name="2024-07-01.parquet")
    write_landing(landing, "amazon", "feedback", FEEDBACK, names=FEEDBACK_NAMES)


@dataclass(frozen=True)
class Door:
    name: str
    before: Callable[[Path], None]
    killed: Callable[[Path], None]
    after: Callable[[Path], None]
    ingest: Callable[[Path, Path, Path], object]


DOORS = {
    "drops": Door("drops", drops_before, drops_killed, drops_after,
                  lambda landing, wh, dlt: load_drops(landing, wh, dlt)),
    "landing": Door("landing", land_before, land_killed, land_after,
                    lambda landing, wh, dlt: load_landing(landing, wh, dlt)),
}

KILLS = [
    ("drops", "extract", 2), ("drops", "extracted", 1), ("drops", "normalize", 2), ("drops", "normalized", 3),
    ("drops", "load", 2), ("drops", "load", 6), ("drops", "saving", 3), ("drops", "loaded", 2),
    ("drops", "recorded", 2),
    ("landing", "extract", 3), ("landing", "extracted", 2), ("landing", "normalize", 1),
    ("landing", "normalized", 2), ("landing", "load", 3), ("landing", "copied", 2), ("landing", "saving", 2),
    ("landing", "loaded", 1), ("landing", "appended", 1), ("drops", "appended", 1),
]
"""(door, stage, nth): the kill comes at the nth call of the stage's hook in the killed run (see
crash_runner.STAGES); per-system hooks are called once per vendor, in name order."""


@dataclass(frozen=True)
class Home:
    landing: Path
    warehouse: Path
    pipelines: Path


def home(root: Path) -> Home:
    return Home(root / "landing", root / "warehouse" / "build.duckdb", root / "dlt")


def snapshot(warehouse: Path) -> dict[str, list[str]]:
    """Every raw table's rows (run-specific columns left out), sorted; dlt's and staging tables aside."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name LIKE 'raw_%' "
                             "AND schema_name NOT LIKE '%_staging' AND table_name NOT LIKE '_dlt%' "
                             "ORDER BY 1, 2").fetchall()
        out: dict[str, list[str]] = {}
        for schema, table in tables:
            columns = [c for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
                "ORDER BY column_index", [schema, table]).fetchall() if c not in VOLATILE]
            listed = ", ".join(f'"{c}"' for c in columns)
            out[f"{schema}.{table}"] = sorted(repr(r) for r in con.execute(
                f'SELECT {listed} FROM "{schema}"."{table}"').fetchall())
    return out


def duplicate_keys(warehouse: Path) -> dict[str, int]:
    """Primary keys present more than once, per contract table that landed."""
    found: dict[str, int] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        present = set(con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall())
        for contract in load_contracts().values():
            for table in contract.tables:
                if (table.qualified_name,) not in present:
                    continue
                keys = ", ".join(f'"{k}"' for k in table.primary_key)
                extra = con.execute(f"SELECT count(*) - count(DISTINCT ({keys})) FROM {table.qualified_name}"
                                    ).fetchall()[0][0]
                if extra:
                    found[table.qualified_name] = extra
    return found


def leftovers(pipelines: Path) -> list[str]:
    """Pending or abandoned dlt packages and converted copies left under the pipelines folder."""
    found = []
    for pipeline in pipelines.glob("cdw_*"):
        found += [p.relative_to(pipelines).as_posix() for p in (pipeline / "normalize").glob("*/*")]
        found += [p.relative_to(pipelines).as_posix() for p in (pipeline / "load" / "normalized").glob("*")]
        found += [p.relative_to(pipelines).as_posix() for p in (pipeline / "load" / "new").glob("*")]
    found += [p.relative_to(pipelines).as_posix() for p in (pipelines / CONVERSION_DIR).rglob("*") if p.is_file()]
    return sorted(found)


def killed_run(door: str, stage: str, nth: int, where: Home) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "tests.ingestion.crash_runner", door, stage, str(nth), str(where.landing),
         str(where.warehouse), str(where.pipelines)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


class _CleanRuns(dict):
    """Door -> what one uninterrupted run of all its files leaves, made on first use (the suite's
    scheduler may run each door's tests on another worker: see tests/conftest.py)."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        super().__init__()
        self.tmp_path_factory = tmp_path_factory

    def __missing__(self, name: str) -> dict[str, list[str]]:
        door = DOORS[name]
        where = home(self.tmp_path_factory.mktemp(f"clean-{name}"))
        door.before(where.landing)
        door.ingest(where.landing, where.warehouse, where.pipelines)
        door.killed(where.landing)
        door.after(where.landing)
        door.ingest(where.landing, where.warehouse, where.pipelines)
        self[name] = snapshot(where.warehouse)
        return self[name]


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, list[str]]]:
    """What one uninterrupted run of all the files leaves, per door (each made when a test needs it)."""
    return _CleanRuns(tmp_path_factory)


@pytest.mark.parametrize(("door", "stage", "nth"), KILLS, ids=[f"{d}-{s}-{n}" for d, s, n in KILLS])
def test_a_killed_ingest_loses_and_duplicates_nothing(door: str, stage: str, nth: int, tmp_path: Path,
                                                      clean: dict[str, dict[str, list[str]]]) -> None:
    where = home(tmp_path)
    DOORS[door].before(where.landing)
    DOORS[door].ingest(where.landing, where.warehouse, where.pipelines)
    DOORS[door].killed(where.landing)
    killed = killed_run(door, stage, nth, where)
    assert killed.returncode == -signal.SIGKILL, f"not killed at {stage} #{nth}:\n{killed.stdout}\n{killed.stderr}"

    DOORS[door].after(where.landing)
    DOORS[door].ingest(where.landing, where.warehouse, where.pipelines)
    after = snapshot(where.warehouse)
    assert after == clean[door]
    assert duplicate_keys(where.warehouse) == {}
    assert leftovers(where.pipelines) == []

    again = DOORS[door].ingest(where.landing, where.warehouse, where.pipelines)
    assert snapshot(where.warehouse) == after
    landed = again.load.rows_landed if door == "drops" else again.rows_landed  # type: ignore[attr-defined]
    assert landed == 0
