"""The README's main command, end to end, on a small demo in a temporary CDW_HOME (empty at first: the
session's shared demo, :mod:`tests.shared_demo`, is that run; this module works on its own copy).

The Dagster UI (`cdw ui`) is then opened on the same home: it must show what the command line
built (assets materialized, checks evaluated), every asset with its owner, and no schedule or
run-starting sensor running by default.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from cdw.inventory import table_counts
from core.contracts import load_contracts
from orchestration.definitions import defs
from tests.dbt.test_dbt_project import STAGING_MODELS
from tests.shared_demo import CUSTOMERS as SHARED_CUSTOMERS
from tests.shared_demo import SharedDemo, copy_home
from tests.ui_server import asset_nodes, graphql, running_ui

pytestmark = pytest.mark.e2e
CDW = str(Path(sys.executable).with_name("cdw"))


def _run(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CDW_HOME": str(home), "COLUMNS": "160"}
    return subprocess.run([CDW, *args], env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory, shared_demo: SharedDemo) -> Path:
    home = copy_home(shared_demo, tmp_path_factory.mktemp("main_job") / "home")
    (home / "first_run.txt").write_text(shared_demo.stdout)
    return home


def _raw_counts(db: Path) -> dict[str, int]:
    return {k: v for k, v in table_counts(db).items() if k.startswith("raw_")}


def test_main_command_prints_the_summary(demo_home: Path):
    out = (demo_home / "first_run.txt").read_text()
    for expected in ("rows per table", "dbt build", "rules passed", "serving warehouse", "make ui", "cdw query"):
        assert expected in out
    run = json.loads(sorted((demo_home / "runs").glob("*.json"))[-1].read_text())
    assert run["status"] == "success"
    assert run["steps"]["build"]["failures"] == []
    assert run["steps"]["check"]["blocking_failures"] == []


def test_a_second_ingest_of_the_same_demo_leaves_every_raw_table_unchanged(demo_home: Path):
    """The demo regenerated (same files) and ingested again: nothing new, nothing duplicated.

    (A whole second `cdw run` on a home is exercised by the erasure test and the Dagster parity test.)
    """
    before = _raw_counts(demo_home / "warehouse" / "build.duckdb")
    assert before and all(before[k] > 0 for k in before if not k.endswith(".quarantine"))
    assert _run(demo_home, "generate", "--customers", str(SHARED_CUSTOMERS)).returncode == 0
    second = _run(demo_home, "ingest", "--source", "demo")
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert _raw_counts(demo_home / "warehouse" / "build.duckdb") == before


def test_forced_reingest_leaves_every_raw_table_unchanged(demo_home: Path):
    before = _raw_counts(demo_home / "warehouse" / "build.duckdb")
    again = _run(demo_home, "ingest", "--force")
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert _raw_counts(demo_home / "warehouse" / "build.duckdb") == before


def test_serving_copy_holds_the_marts_and_no_raw_or_staging_data(demo_home: Path):
    con = duckdb.connect(str(demo_home / "warehouse" / "serving.duckdb"), read_only=True)
    schemas = {row[0] for row in con.execute("select distinct table_schema from information_schema.tables").fetchall()}
    assert schemas == {"analytics", "restricted", "meta"}
    names = {row[0] for row in con.execute("select table_name from information_schema.tables").fetchall()}
    assert {"fct_orders", "fct_events", "dim_customers", "customer_ltv", "customer_rfm", "validation_results",
            "event_mapping"} <= names
    assert not {n for n in names if n.startswith(("stg_", "int_", "_dlt"))}


def test_staging_holds_one_row_per_raw_key_on_the_demo(demo_home: Path):
    contracts = load_contracts()
    con = duckdb.connect(str(demo_home / "warehouse" / "build.duckdb"), read_only=True)
    try:
        for system, entities in STAGING_MODELS.items():
            for entity, table_name in entities.items():
                table = contracts[system].table(table_name)
                key = " || '|' || ".join(f"cast({k} as varchar)" for k in table.primary_key)
                raw_keys = con.execute(f"select count(distinct {key}) from {table.qualified_name}").fetchall()[0][0]
                staged = con.execute(f"select count(*) from staging.stg_{system}__{entity}").fetchall()[0][0]
                assert staged > 0, f"stg_{system}__{entity} is empty on the demo"
                assert staged == raw_keys, f"stg_{system}__{entity}: {staged} rows for {raw_keys} raw keys"
    finally:
        con.close()


def test_status_and_query_read_the_warehouse(demo_home: Path):
    status = _run(demo_home, "status")
    assert status.returncode == 0 and "last run" in status.stdout
    query = _run(demo_home, "query", "select count(*) as n from meta.publication")
    assert query.returncode == 0 and "1" in query.stdout
    bad = _run(demo_home, "query", "select * from no_such_table")
    assert bad.returncode == 1 and "next:" in bad.stdout


def test_export_file_drops_load_through_the_cli_and_a_bad_file_is_named(demo_home: Path):
    fixtures = Path(__file__).parent / "file_drops" / "fixtures"
    landing = demo_home / "landing"
    landing.mkdir(exist_ok=True)
    for name in ("orders_export_1.csv", "customers_export.csv"):
        (landing / name).write_bytes((fixtures / name).read_bytes())
    (landing / "orders_export_2.csv").write_text("Name;Email\n#1;a@b.co\n")  # wrong delimiter, missing columns
    result = _run(demo_home, "ingest", "--source", "drops")
    assert result.returncode == 2, "partial: some input was rejected"
    assert "orders_export_2.csv" in result.stdout and "rejected" in result.stdout
    assert "ingested" in result.stdout
    moved = landing / "rejected" / "orders_export_2.csv"
    assert moved.exists() and moved.with_name(moved.name + ".reason.txt").exists()
    assert not (landing / "orders_export_2.csv").exists()
    status = _run(demo_home, "status")
    assert "rejected/orders_export_2.csv" in status.stdout and "partial" in status.stdout
    before = _raw_counts(demo_home / "warehouse" / "build.duckdb")
    again = _run(demo_home, "ingest", "--source", "drops")
    assert again.returncode == 0, again.stdout
    assert _raw_counts(demo_home / "warehouse" / "build.duckdb") == before


ASSETS_QUERY = """{ assetNodes { assetKey { path } groupName opNames
    owners { __typename ... on TeamAssetOwner { team } ... on UserAssetOwner { email } }
    assetMaterializations(limit: 1) { timestamp }
    assetChecksOrError { __typename ... on AssetChecks { checks { name
        executionForLatestMaterialization { status } } } } } }"""
REPOSITORY_QUERY = """{ repositoriesOrError { __typename ... on RepositoryConnection { nodes { name
    jobs { name } schedules { name cronSchedule executionTimezone scheduleState { status } }
    sensors { name sensorState { status } } } } } }"""
NOT_BUILT_BY_A_RUN = {"activation", "demo"}  # syncs run on their own (`cdw sync`); the demo files are files


@pytest.fixture(scope="module")
def ui(demo_home: Path):
    with running_ui(demo_home) as port:
        yield port


def test_the_ui_shows_what_the_command_line_built(ui: int, demo_home: Path):
    specs = {tuple(spec.key.path): spec for spec in defs.resolve_all_asset_specs()}
    nodes = {tuple(node["assetKey"]["path"]): node for node in asset_nodes(ui, len(specs), ASSETS_QUERY)}
    ephemeral = {n["name"] for n in json.loads((demo_home / "dbt" / "target" / "manifest.json").read_text())[
        "nodes"].values() if n.get("config", {}).get("materialized") == "ephemeral"}
    expected = {key for key, spec in specs.items() if spec.group_name not in NOT_BUILT_BY_A_RUN
                and key[-1] not in ephemeral and "cdw/status" not in (spec.tags or {})}
    never = sorted("/".join(k) for k in expected if not nodes[k]["assetMaterializations"])
    assert not never, f"built by the run but 'never materialized' in the UI: {never}"
    checks = [(key, check) for key in expected for check in nodes[key]["assetChecksOrError"].get("checks", [])]
    assert len(checks) > 500
    not_evaluated = sorted(f"{'/'.join(k)}:{c['name']}" for k, c in checks
                           if not c["executionForLatestMaterialization"])
    assert not not_evaluated, f"checks the run evaluated show as not evaluated: {not_evaluated[:20]}"
    # a relation whose warn-severity rules flagged rows in the run shows its check as failed (warn)
    runs = [json.loads(p.read_text()) for p in sorted((demo_home / "runs").glob("*.json"))]
    checked = [run["steps"]["check"] for run in runs if "check" in run["steps"]][-1]
    warned = {w.split()[0].split(".")[-1] for w in checked["warnings"]}
    failed = sorted(f"{'/'.join(k)}:{c['name']}" for k, c in checks
                    if c["executionForLatestMaterialization"]["status"] != "SUCCEEDED"
                    and not (c["name"] == "governance_rules" and k[-1] in warned))
    assert not failed, f"checks that passed in the run show another status: {failed[:20]}"
    freshness = [c for k, c in checks if c["name"] == "freshness_check"]
    assert freshness and all(c["executionForLatestMaterialization"]["status"] == "SUCCEEDED" for c in freshness)


def test_the_ui_serves_every_asset_with_its_owner_and_starts_no_automation(ui: int):
    specs = {tuple(spec.key.path): spec for spec in defs.resolve_all_asset_specs()}
    nodes = {tuple(node["assetKey"]["path"]): node for node in asset_nodes(ui, len(specs), ASSETS_QUERY)}
    missing = sorted("/".join(k) for k in set(specs) - set(nodes))
    assert not missing, f"assets missing from the UI: {missing}"
    for key, spec in specs.items():
        owners = [o.get("team") and f"team:{o['team']}" or o.get("email") for o in nodes[key]["owners"]]
        assert owners == list(spec.owners) and owners, f"{'/'.join(key)}: UI owners {owners}, defined {spec.owners}"
        assert nodes[key]["groupName"] == spec.group_name
    [repository] = graphql(ui, REPOSITORY_QUERY)["repositoriesOrError"]["nodes"]
    assert {"main_job", "activation_lane", "clv_weekly_refit", "landing_ingest"} <= {j["name"] for j in
                                                                                      repository["jobs"]}
    schedules = {s["name"]: s for s in repository["schedules"]}
    assert set(schedules) == {"nightly_warehouse", "activation_lane", "clv_weekly_refit"}
    assert all(s["executionTimezone"] for s in schedules.values())
    assert {s["scheduleState"]["status"] for s in schedules.values()} == {"STOPPED"}, "opening the UI starts nothing"
    sensors = {s["name"]: s["sensorState"]["status"] for s in repository["sensors"]}
    assert {"landing_files", "run_failure_alerts", "freshness_checks_sensor"} <= set(sensors)
    assert sensors["landing_files"] == "STOPPED"
