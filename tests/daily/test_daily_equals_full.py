"""A daily run gives, row for row, what a full rebuild on the same data gives.

A small demo is split at a day (:mod:`benchmarks.daily_split`). Part 1, everything before the day,
is ingested and built as of the day before, and CLV is fitted on it. Then the day's drop (new
people and orders, a refund of an order older than the facts' look-back) is
ingested and the home copied: in one copy the daily run's build runs (incremental facts and id
registry), in the other a full rebuild (``--full-refresh``: every table from the raw data; the id
registry and the merge history survive it by design). Both as of the day, through the step
functions the command line and Dagster call.

Every mart, the facts, the id registry and the audiences are compared order-independently
(``EXCEPT ALL`` both ways), leaving out only the columns that carry the moment or the run that
made a row (:data:`RUN_MOMENT`), and no more (each of them differs).

Kept small, as the suite's time is counted: a few hundred customers over one year (every build
costs about the same at this size: the models' fixed cost dominates); part 1 builds only what a
later build reads from it (the incremental models and CLV's input: the rest is rebuilt anyway);
the day is ingested once, before the copy (the same step either way); data tests are left out
(``RunContext.exclusion``: they check the data, they do not change it); no identity suggestion
step (it scores no pair at this size, and both builds read the same table).
"""

from __future__ import annotations

import resource
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from benchmarks.daily import DailyDemo, drop_into, prepare
from cdw import steps
from cdw.context import RunContext, make_context
from core.sql import literal
from core.sql import quote_identifier as quote

pytestmark = pytest.mark.e2e

CUSTOMERS = 300
SEED = 42
YEARS = 1
DAY = date(2026, 10, 5)
"""At 300 customers over a year (seed 42) this day brings a refund of an order placed before the
facts' 3-day look-back (a newer version of a row part 1 holds), new orders, a new person, a merge
and a move of ids: a small demo that has them all. (People whose store account or profile row lands
only on the day but whose events came earlier are customers from part 1 on: their events name them.)"""
MODELS_ONLY = "resource_type:test"
"""What the builds leave out: data tests check the data, they do not change it."""
STATEFUL = "+fct_events +fct_orders +fct_order_lines +fct_returns +identity_merge_history +customer_orders"
"""What part 1 builds: every model a later build reads from the previous one (the incremental facts,
the id registry and merge history), and the CLV step's input (with all they read)."""

FACTS = ("fct_events", "fct_orders", "fct_order_lines", "fct_returns", "fct_order_attribution", "dim_products")
IDENTITY = ("customer_source_map", "dim_customers", "customer_id_aliases", "identity_links",
            "identity_cluster_health", "identity_match_rate", "identity_match_suggestions",
            "identity_rule_events", "identity_merge_history")
VALUE = ("customer_orders", "customer_ltv", "customer_ltv_by_channel", "customer_rfm", "customer_lifecycle",
         "customer_features", "customer_value", "cohort_retention", "cohort_retention_by_channel",
         "cohort_retention_triangle", "segment_membership", "kpi_daily", "kpi_daily_utm_campaigns",
         "kpi_product_returns", "customer_clv", "clv_model_runs", "metricflow_time_spine")
AUDIENCES = ("audience_abandoned_cart_email", "audience_at_risk_lapsed_ads", "audience_churned_sms",
             "audience_customer_profiles", "audience_new_subscribers_email", "audience_segments",
             "audience_vips_email", "trigger_abandoned_cart", "trigger_browse_abandonment", "trigger_post_purchase",
             "trigger_replenishment", "trigger_review_request", "trigger_vip_tier_upgrade", "trigger_welcome",
             "trigger_winback")
MARTS = FACTS + IDENTITY + VALUE + AUDIENCES
REGISTRY = "intermediate.int_identity_id_registry"
COMPARED = tuple(f"marts.{t}" for t in MARTS) + (REGISTRY,)

RUN_MOMENT: dict[str, set[str]] = {
    # when the registry issued an id or (re)assigned a record: the build's start
    REGISTRY: {"customer_id_created_at", "assigned_at", "first_assigned_at"},
    "marts.customer_source_map": {"customer_id_created_at", "assigned_at"},
    # the build that recorded an id event: its invocation id (also hashed into the event's id), its start
    "marts.identity_merge_history": {"merge_event_id", "invocation_id", "happened_at"},
    "marts.customer_id_aliases": {"merged_at"},
    # when the rules were evaluated and resolution measured, and how long resolution took
    "marts.identity_rule_events": {"evaluated_at"},
    "marts.identity_cluster_health": {"measured_at", "seconds"},
}
"""Columns left out of the comparison, per table: they record when, or by which run, a row was made."""
EMPTY_AT_THIS_SCALE = {"marts.identity_match_suggestions"}
"""Compared all the same, but empty in this small demo (no suggestion step, see above)."""


@dataclass
class Homes:
    demo: DailyDemo
    before: Path
    """The build warehouse of part 1 (a copy taken before the day was ingested)."""
    daily: Path
    rebuild: Path
    seconds: dict[str, float] = field(default_factory=dict)


def _cpu() -> float:
    """CPU seconds of this process (every thread): what the test costs a busy machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _context(home: Path, as_of: date, run_id: str, selection: str | None = None) -> RunContext:
    ctx = make_context(home=home, source="demo", as_of=as_of, run_id=run_id, selection=selection)
    return replace(ctx, exclusion=MODELS_ONLY)


def _build(ctx: RunContext, *, full_refresh: bool = False) -> None:
    result = steps.build(ctx, "all", full_refresh=full_refresh)
    assert result.success, result.failures[:10] + result.errors[:10]


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Homes]:
    root = tmp_path_factory.mktemp("daily")
    seconds: dict[str, float] = {}

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        started, cpu = time.perf_counter(), _cpu()
        value = fn()
        seconds[name] = round(time.perf_counter() - started, 1)
        seconds[f"{name} (cpu)"] = round(_cpu() - cpu, 1)
        return value

    demo = timed("generate and split", lambda: prepare(root, CUSTOMERS, SEED, DAY, years=YEARS))
    homes = Homes(demo, root / "before.duckdb", root / "daily", root / "rebuild", seconds)
    drop_into(homes.daily, demo.before)
    first = _context(homes.daily, DAY - timedelta(days=1), "part-1", selection=STATEFUL)
    timed("part 1 ingest", lambda: steps.ingest(first))
    timed("part 1 build", lambda: _build(first))
    timed("part 1 clv", lambda: steps.clv(first))
    assert not _build_db(homes.daily).with_suffix(".duckdb.wal").exists()  # closed and checkpointed: one file
    shutil.copyfile(_build_db(homes.daily), homes.before)
    drop_into(homes.daily, demo.day)
    timed("day ingest", lambda: steps.ingest(_context(homes.daily, DAY, "day")))
    timed("copy", lambda: shutil.copytree(homes.daily, homes.rebuild, symlinks=True))
    timed("daily build", lambda: _build(_context(homes.daily, DAY, "daily")))
    timed("full rebuild", lambda: _build(_context(homes.rebuild, DAY, "rebuild"), full_refresh=True))
    print(f"\n{demo.split.describe()}\nseconds: {seconds}")
    yield homes


def _build_db(home: Path) -> Path:
    return home / "warehouse" / "build.duckdb"


@pytest.fixture(scope="module")
def both(homes: Homes) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute(f"attach {literal(str(homes.before))} as before (read_only)")
    for name, home in (("daily", homes.daily), ("rebuild", homes.rebuild)):
        con.execute(f"attach {literal(str(_build_db(home)))} as {name} (read_only)")
    yield con
    con.close()


def _columns(con: duckdb.DuckDBPyConnection, database: str, table: str) -> list[str]:
    schema, name = table.split(".")
    rows = con.execute("select column_name from duckdb_columns() where database_name = ? and schema_name = ? "
                       "and table_name = ? order by column_index", [database, schema, name]).fetchall()
    return [r[0] for r in rows]


def _marts(con: duckdb.DuckDBPyConnection, database: str) -> set[str]:
    rows = con.execute("select table_name from duckdb_tables() where database_name = ? and schema_name = 'marts' "
                       "union select view_name from duckdb_views() where database_name = ? and schema_name = 'marts'",
                       [database, database]).fetchall()
    return {r[0] for r in rows}


def test_the_day_has_new_people_and_late_changes_to_old_orders(both: duckdb.DuckDBPyConnection) -> None:
    lookback = DAY - timedelta(days=3)
    # orders placed before the look-back window, changed on the day (one of them refunded)
    late = both.execute(
        "select count(*), count(*) filter (where d.last_refunded_at >= ?) from daily.marts.fct_orders d "
        "join before.marts.fct_orders b using (order_key) where d.ordered_at < ? and d.last_activity_at >= ? "
        "and d.last_activity_at is distinct from b.last_activity_at", [DAY, lookback, DAY]).fetchone()
    assert late[0] >= 1 and late[1] >= 1, late
    new_orders = both.execute("select count(*) from daily.marts.fct_orders where ordered_at >= ?", [DAY]).fetchone()
    new_people = both.execute(f"select count(distinct d.customer_id) from daily.{REGISTRY} d "
                              f"left join before.{REGISTRY} b using (customer_id) where b.customer_id is null"
                              ).fetchone()
    assert new_orders[0] >= 1 and new_people[0] >= 1


def test_ids_of_part_1_stay_unless_a_recorded_merge_or_move_took_them(both: duckdb.DuckDBPyConnection) -> None:
    moved = both.execute(f"select distinct b.customer_id, d.customer_id from before.{REGISTRY} b "
                         f"join daily.{REGISTRY} d using (record_id) where b.customer_id != d.customer_id").fetchall()
    recorded = both.execute("select old_customer_id, new_customer_id from daily.marts.identity_merge_history "
                            "where happened_at = (select max(happened_at) from daily.marts.identity_merge_history)"
                            ).fetchall()
    assert moved and set(moved) == set(recorded)


def test_every_mart_is_compared(both: duckdb.DuckDBPyConnection) -> None:
    assert _marts(both, "daily") == _marts(both, "rebuild") == set(MARTS)


@pytest.mark.parametrize("table", COMPARED)
def test_daily_run_equals_full_rebuild(both: duckdb.DuckDBPyConnection, table: str) -> None:
    left_out = RUN_MOMENT.get(table, set())
    columns = _columns(both, "daily", table)
    assert columns == _columns(both, "rebuild", table)
    assert left_out <= set(columns), f"{table}: {sorted(left_out - set(columns))} left out but not there"
    select = ", ".join(quote(c) for c in columns if c not in left_out)
    only = {}
    for left, right in (("daily", "rebuild"), ("rebuild", "daily")):
        only[left] = both.execute(f"select {select} from {left}.{table} except all "
                                  f"select {select} from {right}.{table} limit 5").fetchall()
    assert only == {"daily": [], "rebuild": []}, f"{table}: rows in one warehouse only"
    rows = both.execute(f"select count(*) from daily.{table}").fetchone()[0]
    assert (rows == 0) == (table in EMPTY_AT_THIS_SCALE), f"{table}: {rows} rows"


@pytest.mark.parametrize("table", sorted(RUN_MOMENT))
def test_every_column_left_out_does_differ(both: duckdb.DuckDBPyConnection, table: str) -> None:
    """The exclusions are no wider than they must be: each left-out column differs between the two."""
    for column in sorted(RUN_MOMENT[table]):
        differing = both.execute(f"select count(*) from (select {quote(column)} from daily.{table} except all "
                                 f"select {quote(column)} from rebuild.{table})").fetchone()[0]
        assert differing > 0, f"{table}.{column} is the same in both: compare it"
