"""One demo warehouse for the transformation tests, built the way production builds it.

The demo generator's vendor files are landed in two batches: the first 85 % of every file's rows
(files are in delivery order), built; then the rest as a later drop, built incrementally. Late
data is everywhere in the second batch: order lines whose order came in the first, refunds and
returns of old orders, newer versions of records, catalogue rows. The incremental warehouse is
then copied and its facts rebuilt with ``--full-refresh``; the tests compare the two, and the
full refresh with the generator's truth. A back-test (an earlier ``as_of``) is run both ways too.

Everything is built once per test package (about a minute and a half on two cores). dbt runs in
a subprocess with the project's flags (``core.dbt``): dbt-duckdb keeps its DuckDB instance open for
the life of the process, and the loader (and these tests) open the same file between builds.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from core.dbt import DbtError
from core.dbt import run_dbt as core_run_dbt
from core.settings import Paths

CUSTOMERS = 1_200
SEED = 7
AS_OF = date(2026, 11, 1)  # the generator's default end date is 2026-10-31: everything is in
BACK_TEST_AS_OF = date(2026, 6, 30)
FIRST_BATCH_SHARE = 0.85

FACT_TABLES = ("fct_events", "fct_orders", "fct_order_lines", "fct_returns", "dim_products",
               "fct_order_attribution")
INCREMENTAL_FACTS = ("fct_events", "fct_orders", "fct_order_lines", "fct_returns")
# The transformation models and everything upstream of them (staging, seeds), with the tests
# whose every parent is among them.
BUILD_SELECTION = ["--select", " ".join(f"+{name}" for name in FACT_TABLES), "--indirect-selection", "cautious"]
# The same without staging (for rebuilding facts on a warehouse whose staging is built).
FACTS_SELECTION = ["--select", " ".join(f"+{name}" for name in FACT_TABLES), "--exclude", "staging"]

# Rows planted in the first build, far outside any lookback window: an incremental build keeps
# them, a full rebuild would not. Removed before the comparison with the full refresh.
SENTINEL_EVENT_ID = "sentinel-event-outside-the-window"
SENTINEL_ORDER_KEY = "shopify:sentinel-order-outside-the-window"


@dataclass
class DbtRun:
    success: bool
    counts: dict[str, int]
    failures: list[str]
    seconds: float
    output: str


def run_dbt(paths: Paths, command: list[str], as_of: date | None = None) -> DbtRun:
    """One dbt command in this process, with the flags and environment the project's runner uses."""
    started = time.perf_counter()
    try:
        result = core_run_dbt(paths, command, as_of=as_of)
    except DbtError as error:
        return DbtRun(success=False, counts={}, failures=[str(error)],
                      seconds=round(time.perf_counter() - started, 1), output=str(error))
    return DbtRun(success=result.success, counts=result.counts, failures=result.failures,
                  seconds=round(result.seconds, 1), output="\n".join(result.failures)[-5000:])


@dataclass
class TransformationsDemo:
    landing: Path
    truth: Path
    incremental: Paths
    full: Paths
    back_incremental: Paths
    back_full: Paths
    first_build: DbtRun
    incremental_build: DbtRun
    full_refresh: DbtRun
    back_incremental_build: DbtRun
    back_full_refresh: DbtRun
    sentinels_kept: dict[str, bool] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def split_landing(source: Path, first: Path, later: Path, share: float) -> dict[str, tuple[int, int]]:
    """Write the first ``share`` of every vendor file's rows under ``first`` and the rest under ``later``.

    ``later`` gets ``<system>/<table>/batch-2.parquet``: the loader's layout for a later drop.
    """
    counts = {}
    for path in sorted(source.glob("*/*.parquet")):
        table = pq.read_table(path)
        cut = int(table.num_rows * share)
        relative = path.relative_to(source)
        (first / relative).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table.slice(0, cut), first / relative)
        drop = later / relative.parent / relative.stem / "batch-2.parquet"
        drop.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table.slice(cut), drop)
        counts[relative.as_posix()] = (cut, table.num_rows - cut)
    return counts


def copy_warehouse(source: Paths, home: Path) -> Paths:
    target = Paths(home).ensure()
    shutil.copyfile(source.build_db, target.build_db)
    return target


def plant_sentinels(database: Path) -> None:
    with duckdb.connect(str(database)) as con:
        con.execute("""
            insert into marts.fct_events by name
            select ? as event_id, 'sentinel' as source_record_key, 'shopify' as actor_source_system,
                'device' as actor_entity, 'sentinel' as actor_key, 'Viewed Product' as event_name,
                'product_viewed' as vendor_event_name, 'DTC' as channel_source,
                'Shopify Online Store' as platform, 'shopify' as source_system, 'pixel_events' as source_table,
                timestamp '2020-01-01 00:00:00' as occurred_at, date '2020-01-01' as event_date,
                timestamp '2020-01-01 00:00:00' as loaded_at
        """, [SENTINEL_EVENT_ID])
        con.execute("""
            insert into marts.fct_orders by name
            select ? as order_key, 'sentinel' as order_id, 'shopify' as actor_source_system,
                'order' as actor_entity, 'sentinel' as actor_key, 'shopify' as source_system,
                'DTC' as channel_source, 'USD' as currency, 0 as gross_revenue, 0 as discount_amount,
                0 as item_refund_amount, 0 as shipping_refund_amount, 0 as tax_refund_amount,
                0 as other_refund_amount, 0 as refund_amount, 0 as net_revenue, 0 as net_total,
                0 as items_quantity, false as is_cancelled,
                false as is_business_order, timestamp '2020-01-01 00:00:00' as ordered_at,
                timestamp '2020-01-01 00:00:00' as last_activity_at,
                timestamp '2020-01-01 00:00:00' as loaded_at
        """, [SENTINEL_ORDER_KEY])


def remove_sentinels(database: Path) -> dict[str, bool]:
    with duckdb.connect(str(database)) as con:
        kept = {
            "fct_events": con.execute("select count(*) from marts.fct_events where event_id = ?",
                                      [SENTINEL_EVENT_ID]).fetchall()[0][0] == 1,
            "fct_orders": con.execute("select count(*) from marts.fct_orders where order_key = ?",
                                      [SENTINEL_ORDER_KEY]).fetchall()[0][0] == 1,
        }
        con.execute("delete from marts.fct_events where event_id = ?", [SENTINEL_EVENT_ID])
        con.execute("delete from marts.fct_orders where order_key = ?", [SENTINEL_ORDER_KEY])
    return kept


def _check(result: DbtRun, what: str) -> DbtRun:
    assert result.success, f"{what} failed: {result.failures[:10]}\n{result.output}"
    return result


@pytest.fixture(scope="package")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TransformationsDemo]:
    from demo.generate import generate
    from ingestion.load import load_landing

    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    root = tmp_path_factory.mktemp("transformations")
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = round(now - clock, 1)
        clock = now

    landing, truth = root / "demo" / "landing", root / "demo" / "truth"
    generate(landing, truth, customers=CUSTOMERS, seed=SEED)
    incremental = Paths(root / "incremental").ensure()
    later = root / "later"
    split_landing(landing, incremental.landing, later, FIRST_BATCH_SHARE)
    load_landing(incremental.landing, incremental.build_db, incremental.dlt_dir)
    lap("generate_and_load_first_batch")

    first_build = _check(run_dbt(incremental, ["build", *BUILD_SELECTION, "--resource-type", "model",
                                               "--resource-type", "seed"], as_of=AS_OF), "first build")
    plant_sentinels(incremental.build_db)
    lap("first_build")

    shutil.copytree(later, incremental.landing, dirs_exist_ok=True)
    load_landing(incremental.landing, incremental.build_db, incremental.dlt_dir)
    lap("load_second_batch")
    incremental_build = run_dbt(incremental, ["build", *BUILD_SELECTION], as_of=AS_OF)
    sentinels_kept = remove_sentinels(incremental.build_db)
    lap("incremental_build")

    full = copy_warehouse(incremental, root / "full")
    full_refresh = _check(run_dbt(full, ["run", "--full-refresh", *FACTS_SELECTION], as_of=AS_OF), "full refresh")
    lap("full_refresh")

    back_incremental = copy_warehouse(incremental, root / "back_incremental")
    back_incremental_build = _check(run_dbt(back_incremental, ["run", *FACTS_SELECTION], as_of=BACK_TEST_AS_OF),
                                    "back-test incremental run")
    back_full = copy_warehouse(incremental, root / "back_full")
    back_full_refresh = _check(run_dbt(back_full, ["run", "--full-refresh", *FACTS_SELECTION],
                                       as_of=BACK_TEST_AS_OF), "back-test full refresh")
    lap("back_test")

    yield TransformationsDemo(
        landing=landing, truth=truth, incremental=incremental, full=full, back_incremental=back_incremental,
        back_full=back_full, first_build=first_build, incremental_build=incremental_build,
        full_refresh=full_refresh, back_incremental_build=back_incremental_build,
        back_full_refresh=back_full_refresh, sentinels_kept=sentinels_kept, seconds=seconds,
    )


def query(database: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, parameters or []).fetchall()
