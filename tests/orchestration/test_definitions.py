"""The Dagster definitions load and form one lineage graph with owners, groups, checks and lanes."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

from activation import load_config as load_activation_config
from core.contracts import all_tables, load_contracts
from orchestration.config import load_config
from orchestration.definitions import defs
from orchestration.defs.activation import LANE_SYNCS
from orchestration.defs.freshness import FRESHNESS_CHECKS
from orchestration.defs.transformation import DBT_MODEL_KEYS
from orchestration.keys import (
    CLV_SCORES,
    LANE_TAG,
    LANE_VALUE,
    SERVING,
    WRITER_TAG,
    WRITER_VALUE,
    model_key,
    sync_key,
)
from orchestration.ownership import asset_path
from orchestration.resources import WRITER_POOL

JOBS = ("main_job", "activation_lane", "clv_weekly_refit", "landing_ingest")
SCHEDULES = ("nightly_warehouse", "activation_lane", "clv_weekly_refit")
SENSORS = ("landing_files", "run_failure_alerts", "freshness_checks_sensor")
LAYERS = {"demo", "raw", "seeds", "staging", "intermediate", "marts", "ml", "serving", "activation"}


def _specs() -> dict[dg.AssetKey, dg.AssetSpec]:
    return {spec.key: spec for spec in defs.resolve_all_asset_specs()}


def _checks() -> list[dg.AssetCheckSpec]:
    graph = defs.resolve_asset_graph()
    return [graph.get_check_spec(key) for key in graph.asset_check_keys]


def test_every_job_schedule_and_sensor_exists():
    for name in JOBS:
        assert defs.resolve_job_def(name) is not None
    for name in SCHEDULES:
        schedule = defs.resolve_schedule_def(name)
        assert schedule.execution_timezone == load_config().schedule(name).timezone
        assert schedule.cron_schedule == load_config().schedule(name).cron
    for name in SENSORS:
        assert defs.resolve_sensor_def(name) is not None


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


def test_models_are_keyed_by_name_and_grouped_by_layer():
    specs = _specs()
    assert DBT_MODEL_KEYS, "no dbt models in the manifest"
    for key in DBT_MODEL_KEYS:
        assert len(key.path) == 1, key
        assert specs[key].group_name in LAYERS
    assert {specs[k].group_name for k in specs} <= LAYERS


def test_every_asset_has_an_owner_from_the_dictionary_and_a_description():
    for key, spec in _specs().items():
        assert spec.owners, f"{asset_path(key)} has no owner"
        assert spec.description and "Owner:" in spec.description, asset_path(key)
    specs = _specs()
    assert specs[dg.AssetKey(["raw_shopify", "orders"])].owners == ["team:orders"]
    assert specs[dg.AssetKey(["raw_shopify", "customers"])].owners == ["team:customer-identity"]
    assert specs[sync_key("vip_to_klaviyo")].owners == ["team:marketing"]


def test_every_sync_is_an_asset_downstream_of_its_audience_model():
    specs = _specs()
    for sync in load_activation_config().syncs.values():
        spec = specs[sync_key(sync.name)]
        assert spec.group_name == "activation"
        assert model_key(sync.audience) in {d.asset_key for d in spec.deps}
        assert model_key(sync.audience) in specs, "the audience appears in the graph (model or pending)"


def test_landing_contract_checks_are_blocking_and_dbt_tests_are_checks():
    checks = _checks()
    landing = [c for c in checks if c.name == "landing_contract"]
    assert len(landing) == len(all_tables())
    assert all(c.blocking for c in landing)
    dbt_checks = [c for c in checks if c.asset_key in DBT_MODEL_KEYS]
    assert len(dbt_checks) > 20, "dbt data tests should appear as asset checks"


def test_every_raw_table_has_a_freshness_check_with_its_configured_threshold():
    config = load_config()
    fresh = {c.asset_key: c for c in _checks() if "freshness" in c.name}
    for table in all_tables():
        key = dg.AssetKey([table.schema, table.name])
        assert key in fresh, f"no freshness check on {asset_path(key)}"
        params = fresh[key].metadata["dagster/freshness_params"].value
        assert params["lower_bound_delta_seconds"] == config.freshness.max_lag(asset_path(key)).total_seconds()
    assert config.freshness.max_lag("raw_shopify/pixel_events") == timedelta(hours=1)
    assert config.freshness.max_lag("raw_amazon/orders") == config.freshness.default


def test_freshness_checks_stay_out_of_the_jobs():
    freshness_ops = {c.node_def.name for c in FRESHNESS_CHECKS}
    for name in JOBS:
        assert not freshness_ops & set(defs.resolve_job_def(name).graph.node_dict), name


def test_activation_lane_selects_lane_raw_tables_trigger_models_and_trigger_syncs_only():
    selected = set(defs.resolve_job_def("activation_lane").asset_layer.selected_asset_keys)
    lane_systems = load_config().lane.systems
    for system, contract in load_contracts().items():
        keys = {dg.AssetKey([contract.schema, t.name]) for t in contract.tables}
        assert (keys <= selected) == (system in lane_systems), system
        assert (keys & selected) == (keys if system in lane_systems else set()), system
    syncs = load_activation_config().syncs.values()
    triggers = {sync_key(s.name) for s in syncs if s.is_trigger}
    assert triggers and triggers <= selected
    assert not {sync_key(s.name) for s in syncs if not s.is_trigger} & selected
    assert SERVING not in selected and CLV_SCORES not in selected
    specs = _specs()
    for key in selected & DBT_MODEL_KEYS:  # only models between the lane's raw tables and its triggers
        assert specs[key].group_name != "seeds"
    assert all(specs[k].tags.get(LANE_TAG) == LANE_VALUE for k in triggers)


def test_activation_lane_checks_the_audiences_it_syncs_before_sending_them():
    """Like ``cdw lane``, a lane run validates each audience it rebuilds before its sync reads the result.

    The lane job selected no governance check (dagster-dbt's selection brings dbt tests only): its syncs
    were judged on an older run's validation of the audience, or refused for want of one
    (benchmarks/activation_lane.py: no validation result for marts.audience_abandoned_cart_email).
    """
    job = defs.resolve_job_def("activation_lane")
    graph = job.asset_layer.asset_graph
    governance = {key.asset_key for key in graph.asset_check_keys if key.name == "governance_rules"}
    lane_syncs = [s for s in load_activation_config().syncs.values() if s.name in LANE_SYNCS]
    audiences = {model_key(s.audience) for s in lane_syncs} & DBT_MODEL_KEYS
    assert audiences, "no built audience in the lane"
    assert governance == audiences, "the lane checks its audiences, and only those"
    check_nodes = {node for node in job.graph.node_dict if node.startswith("governance_suites")}
    for sync in lane_syncs:
        if model_key(sync.audience) in audiences:
            upstream = {h.node_name for h in job.graph.dependency_structure.all_upstream_outputs_from_node(
                f"sync_{sync.name}")}
            assert upstream & check_nodes, f"sync {sync.name} does not wait for its audience's check"


def test_models_not_built_yet_appear_as_pending_with_an_owner():
    specs = _specs()
    for spec in specs.values():
        if spec.tags.get("cdw/status") == "not_built":
            assert spec.key not in DBT_MODEL_KEYS and spec.owners and spec.group_name == "marts"


def test_governance_suites_block_what_leaves_the_warehouse_without_cutting_a_dbt_build():
    """Blocking on the marts no other model of the same dbt part reads; not blocking on those read by one
    (a blocking check there would cut the dbt build in several invocations), whose failures the publish
    reads from the run's recorded results instead (tests/orchestration/test_materialize.py)."""
    checks = [c for c in _checks() if c.name == "governance_rules"]
    specs = _specs()
    assert checks, "no governance checks"
    assert all(specs[c.asset_key].group_name == "marts" for c in checks)
    graph = defs.resolve_asset_graph()
    for check in checks:
        part = graph.get(check.asset_key).assets_def
        read_by_its_part = any(check.asset_key in part.asset_deps.get(other, ()) for other in part.keys)
        assert check.blocking != read_by_its_part, check.asset_key.to_user_string()
    assert sum(c.blocking for c in checks) > len(checks) / 2
    audiences = {model_key(s.audience) for s in load_activation_config().syncs.values()} & DBT_MODEL_KEYS
    blocking = {c.asset_key for c in checks if c.blocking}
    assert audiences <= blocking, "every built audience is governed, blocking its syncs"


def test_every_step_that_writes_the_warehouse_is_in_the_writer_pool():
    graph = defs.resolve_asset_graph()
    writers = {node.assets_def.node_def.name: node.assets_def.node_def.pool
               for node in map(graph.get, graph.get_all_asset_keys()) if node.is_executable}
    assert {name for name, pool in writers.items() if pool != WRITER_POOL} == {"demo__vendor_files"}
    for name in JOBS:
        assert defs.resolve_job_def(name).tags.get(WRITER_TAG) == WRITER_VALUE, name
