"""The whole graph materializes in process on a small demo; a failing blocking check stops what is downstream."""

from __future__ import annotations

import os
import re
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from core.settings import DBT_PROJECT_DIR
from orchestration.definitions import defs
from orchestration.defs.freshness import FRESHNESS_CHECKS
from orchestration.defs.ingestion import SYSTEM_ASSETS
from orchestration.keys import DEMO_FILES, SERVING
from orchestration.resources import WarehouseResource
from tests.shared_demo import CUSTOMERS as SHARED_CUSTOMERS
from tests.shared_demo import SharedDemo

pytestmark = pytest.mark.e2e
CUSTOMERS = SHARED_CUSTOMERS
INSTANCE = dg.DagsterInstance.ephemeral()  # long-lived: see tests/orchestration/test_schedules.py


# When and how long a run took, not what it built: run ids, the run's own timestamps, durations.
VOLATILE = re.compile(r"(^|_)(run_id|loaded_at|fitted_at|published_at|validated_at|requested_at|started_at|"
                      r"assigned_at|customer_id_created_at|measured_at|evaluated_at|scored_at|seconds)$")


def mart_fingerprints(build_db: Path) -> dict[str, tuple[int, int]]:
    """Rows and a checksum of every mart, leaving out run ids and load times (doubles rounded to 1e-6)."""
    fingerprints = {}
    with duckdb.connect(str(build_db), read_only=True) as con:
        tables = [r[0] for r in con.execute("select table_name from information_schema.tables "
                                            "where table_schema = 'marts' order by 1").fetchall()]
        for table in tables:
            columns = con.execute("select column_name, data_type from information_schema.columns where "
                                  "table_schema = 'marts' and table_name = ? order by ordinal_position",
                                  [table]).fetchall()
            values = [f'round("{c}", 6)' if kind in ("DOUBLE", "FLOAT") else f'"{c}"'
                      for c, kind in columns if not VOLATILE.search(c)]
            fingerprints[table] = con.execute(f"select count(*), coalesce(sum(hash({', '.join(values)})::hugeint), 0) "
                                              f"from marts.{table}").fetchall()[0]
    return fingerprints


def test_whole_graph_materializes_in_process_with_every_check_passing(tmp_path: Path, shared_demo: SharedDemo):
    dagster_home = tmp_path / "dagster_run"
    checkout_targets = set((DBT_PROJECT_DIR / "target").glob("dbt_*"))
    environment = dict(os.environ)
    result = defs.resolve_job_def("main_job").execute_in_process(
        resources={"warehouse": WarehouseResource(home=str(dagster_home), demo_customers=CUSTOMERS)},
        instance=INSTANCE, raise_on_error=False,
    )
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    # the dbt steps set the home's warehouse and spill folder for their dbt process only: a later run
    # in this process (another home, a test) must not inherit them
    leaked = {k: v for k, v in os.environ.items() if k.startswith("CDW_") and environment.get(k) != v}
    assert not leaked, leaked
    evaluations = result.get_asset_check_evaluations()
    # warn-severity rules may flag rows (counted, allowed: refunds beyond item revenue); nothing else fails
    assert evaluations and all(e.passed or e.severity == dg.AssetCheckSeverity.WARN for e in evaluations), [
        (e.asset_key.to_user_string(), e.check_name) for e in evaluations if not e.passed]
    materialized = {e.materialization.asset_key: e.materialization for e in result.get_asset_materialization_events()}
    assert SERVING in materialized
    assert (dagster_home / "warehouse" / "serving.duckdb").exists()
    # dbt's artifacts of the run stay under the home, not in the checkout
    assert set((DBT_PROJECT_DIR / "target").glob("dbt_*")) == checkout_targets
    assert any((dagster_home / "dbt" / "runs").glob("*-before_clv/run_results.json"))
    orders = materialized[dg.AssetKey(["raw_shopify", "orders"])]
    assert orders.metadata["dagster/row_count"].value > 0
    assert "dagster/last_updated_timestamp" in orders.metadata
    facts = materialized[dg.AssetKey(["fct_orders"])]
    assert facts.metadata["dagster/row_count"].value > 0
    preview = facts.metadata["preview"].value
    assert "| email* |" in preview and "@" in preview and "***@" in preview, "emails are masked in previews"
    # a staging view is materialized without running it for a count or a preview
    staged = materialized[dg.AssetKey(["stg_shopify__orders"])]
    assert "dagster/row_count" not in staged.metadata and staged.metadata["dagster/column_count"].value > 10

    # The command line runs the same steps: the same input gives the same warehouse, mart by mart
    # (the session's shared demo is `cdw run --customers 600` from an empty home).
    shared_demo.require_success()
    by_dagster = mart_fingerprints(dagster_home / "warehouse" / "build.duckdb")
    by_cli = mart_fingerprints(shared_demo.home / "warehouse" / "build.duckdb")
    assert by_dagster and by_cli == by_dagster, {t: (by_cli.get(t), f) for t, f in by_dagster.items()
                                                 if by_cli.get(t) != f}


@pytest.fixture(scope="module")
def landed(tmp_path_factory) -> tuple[Path, dg.DagsterInstance]:
    """Demo files landed in every raw table (no models): enough for freshness and blocking checks.

    Cheap on purpose, so that ``pytest -n 2`` may run it once per worker.
    """
    home = tmp_path_factory.mktemp("cdw_home")
    raw = [DEMO_FILES, *(key for assets in SYSTEM_ASSETS.values() for key in assets.keys)]
    result = defs.resolve_job_def("main_job").execute_in_process(
        run_config={"resources": {"warehouse": {"config": {"home": str(home), "demo_customers": CUSTOMERS}}}},
        asset_selection=raw, instance=INSTANCE, raise_on_error=False,
    )
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return home, INSTANCE


def test_freshness_checks_pass_right_after_the_run(landed):
    _, instance = landed
    job = dg.define_asset_job("freshness_only", selection=dg.AssetSelection.checks(*FRESHNESS_CHECKS))
    result = dg.Definitions.merge(defs, dg.Definitions(jobs=[job])).resolve_job_def("freshness_only") \
        .execute_in_process(instance=instance, raise_on_error=False)
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == sum(len(list(c.check_keys)) for c in FRESHNESS_CHECKS)
    assert all(e.passed for e in evaluations), [e.asset_key.to_user_string() for e in evaluations if not e.passed]


def test_a_failing_blocking_check_stops_everything_downstream(landed):
    home, _ = landed
    build_db = home / "warehouse" / "build.duckdb"
    with duckdb.connect(str(build_db)) as con:  # one corrupt row in the newest load batch
        con.execute("update raw_shopify.customers set created_at = 'not a timestamp' "
                    "where id = (select min(id) from raw_shopify.customers)")
    downstream = [dg.AssetKey(["stg_shopify__customers"]), dg.AssetKey(["stg_amazon__orders"]), SERVING]
    raw = [*SYSTEM_ASSETS["shopify"].keys, *SYSTEM_ASSETS["amazon"].keys]  # one ingest step per system
    selection = [*raw, *downstream]
    result = defs.resolve_job_def("main_job").execute_in_process(
        run_config={"resources": {"warehouse": {"config": {"home": str(home)}}}},
        asset_selection=selection, instance=INSTANCE, raise_on_error=False,
    )
    assert not result.success
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert [(e.asset_key, e.check_name) for e in failed] == [(dg.AssetKey(["raw_shopify", "customers"]),
                                                              "landing_contract")]
    assert "raw_shopify.customers" in (failed[0].description or "")
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert dg.AssetKey(["raw_amazon", "orders"]) in materialized, "the healthy system still lands"
    assert not set(downstream) & materialized, "nothing downstream of a failing blocking check runs"
    started = {e.step_key for e in result.all_events if e.event_type_value == "STEP_START"}
    assert "ingest_shopify" in started and not {"dbt_models", "serving__warehouse"} & started
