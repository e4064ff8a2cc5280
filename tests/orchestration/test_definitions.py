"""The Dagster definitions load, form one lineage graph, and materialize for real."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from cdw.contracts import all_tables
from orchestration.definitions import defs
from orchestration.resources import WarehouseResource


def _specs() -> dict[dg.AssetKey, dg.AssetSpec]:
    return {spec.key: spec for spec in defs.resolve_all_asset_specs()}


def test_jobs_and_schedules_exist():
    assert defs.resolve_job_def("main_job") is not None
    schedule = defs.resolve_schedule_def("nightly_warehouse")
    assert schedule.execution_timezone == "UTC"


def test_every_raw_table_is_an_asset_keyed_like_its_dbt_source():
    specs = _specs()
    for table in all_tables():
        key = dg.AssetKey([table.schema, table.name])
        assert key in specs, f"no asset for {key.to_user_string()}"
        assert specs[key].group_name == "raw"


def test_staging_models_depend_on_the_raw_assets_so_lineage_is_one_graph():
    specs = _specs()
    raw_keys = {dg.AssetKey([t.schema, t.name]) for t in all_tables()}
    staged = {dep.asset_key for spec in specs.values() if spec.group_name == "staging" for dep in spec.deps}
    assert raw_keys <= staged, f"raw tables no model reads: {sorted(k.to_user_string() for k in raw_keys - staged)}"
    for key in staged:
        assert key in specs and specs[key].group_name == "raw"


def test_landing_contract_checks_are_blocking():
    graph = defs.resolve_asset_graph()
    checks = [graph.get_check_spec(key) for key in graph.asset_check_keys]
    landing = [c for c in checks if c.name == "landing_contract"]
    assert len(landing) == len(all_tables())
    assert all(c.blocking for c in landing)


@pytest.mark.e2e
def test_whole_graph_materializes_in_process_with_every_check_passing(tmp_path: Path):
    job = defs.resolve_job_def("main_job")
    result = job.execute_in_process(
        resources={"warehouse": WarehouseResource(home=str(tmp_path), demo_customers=600)},
        raise_on_error=False,
    )
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    evaluations = result.get_asset_check_evaluations()
    assert evaluations and all(e.passed for e in evaluations), [
        (e.asset_key.to_user_string(), e.check_name) for e in evaluations if not e.passed]
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    assert dg.AssetKey(["serving", "warehouse"]) in materialized
    assert (tmp_path / "warehouse" / "serving.duckdb").exists()
