"""The value and activation marts on a small demo, checked against an independent recomputation.

One module-scoped build: the demo generator (1,500 people) is loaded and the dbt project built
(seeds and models) as of a date inside the demo's history, so everything after it must be
invisible. Then:

* LTV (totals and by channel), RFM scores and segments, and the cohort tables (long, by
  channel, and the triangle) are recomputed in pandas from the facts and compared exactly
  (money as Decimal; ratios as the same floating-point operations);
* the value and activation models' own data tests run on the demo;
* adding a segment to segment_membership.yml (in a copy of the dbt project) adds it to
  segment_membership, with no other change.
"""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from core.dbt import DbtPlace, invoke_dbt_like_cli
from core.settings import DBT_PROJECT_DIR, REPO_ROOT
from tests.value import recompute

AS_OF = "2026-09-15T12:00:00"
AS_OF_TS = datetime(2026, 9, 15, 12, 0, 0)
CUSTOMERS = 1_500
DEMO_AVAILABLE = (importlib.util.find_spec("ingestion.load") is not None
                  and importlib.util.find_spec("demo.generate") is not None)

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not DEMO_AVAILABLE, reason="needs the demo generator and loader")]


def run_dbt(args: list[str], database: Path, work_dir: Path, project_dir: Path = DBT_PROJECT_DIR,
            ) -> subprocess.CompletedProcess[str]:
    return invoke_dbt_like_cli(DbtPlace.beside(database, work_dir, project_dir), args, as_of=AS_OF)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from demo.generate import generate
    from ingestion.load import load_landing

    work = tmp_path_factory.mktemp("value_demo")
    database = work / "build.duckdb"
    generate(work / "landing", work / "truth", customers=CUSTOMERS, seed=11)
    load_landing(work / "landing", database, work / "dlt")
    result = run_dbt(["build", "--resource-type", "seed", "--resource-type", "model"], database, work)
    assert result.returncode == 0, result.stdout[-20000:]
    return database


@pytest.fixture(scope="module")
def con(demo: Path):
    connection = duckdb.connect(str(demo), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def project_vars() -> dict:
    return yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


@pytest.fixture(scope="module")
def orders(con: duckdb.DuckDBPyConnection, project_vars: dict) -> pd.DataFrame:
    return recompute.customer_orders(con, AS_OF_TS, project_vars["value_fx_rates"], project_vars["shop_currency"])


def mart(con: duckdb.DuckDBPyConnection, relation: str, index: list[str]) -> pd.DataFrame:
    return recompute.frame(con, f"select * from {relation}").set_index(index).sort_index()


def _missing(value: object) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def _same(got: object, want: object) -> bool:
    if _missing(got) or _missing(want):
        return _missing(got) and _missing(want)
    return got == want


def assert_same(actual: pd.DataFrame, expected: pd.DataFrame, columns: list[str]) -> None:
    """Same keys, and exactly the same value in every listed column (Decimal money, same float operations)."""
    assert list(actual.index) == list(expected.index)
    for column in columns:
        pairs = zip(actual.index, actual[column].tolist(), expected[column].tolist(), strict=True)
        mismatches = [(key, got, want) for key, got, want in pairs if not _same(got, want)]
        assert not mismatches, f"{column}: {len(mismatches)} rows differ, e.g. {mismatches[:3]}"


def test_the_demo_is_big_enough(con: duckdb.DuckDBPyConnection, orders: pd.DataFrame) -> None:
    assert orders["customer_id"].nunique() > 500
    assert orders["order_number"].max() >= 5
    assert set(orders["currency"]) > {"USD"}, "the demo should exercise currency conversion"
    newest = con.execute("select max(ordered_at) from marts.customer_orders").fetchone()[0]
    assert newest <= AS_OF_TS, "nothing after as_of may count"


def test_ltv_matches_recomputation(con: duckdb.DuckDBPyConnection, orders: pd.DataFrame) -> None:
    expected = recompute.ltv(orders, AS_OF_TS)
    actual = mart(con, "marts.customer_ltv", ["customer_id"])
    assert_same(actual, expected, [
        "orders_count", "channels_count", *recompute.MONEY, "product_cost", "gross_margin", "first_order_channel",
        "first_order_at", "last_order_at",
        "average_order_value", "tenure_days", "days_since_last_order", "average_days_between_orders",
        "orders_per_year", "ltv_decile"])


def test_ltv_by_channel_matches_recomputation(con: duckdb.DuckDBPyConnection, orders: pd.DataFrame) -> None:
    expected = recompute.ltv_by_channel(orders)
    actual = mart(con, "marts.customer_ltv_by_channel", ["customer_id", "channel_source"])
    assert_same(actual, expected, ["orders_count", "net_revenue", "first_order_at", "last_order_at"])


def test_rfm_matches_recomputation(con: duckdb.DuckDBPyConnection, orders: pd.DataFrame) -> None:
    expected = recompute.rfm(recompute.ltv(orders, AS_OF_TS))
    actual = mart(con, "marts.customer_rfm", ["customer_id"])
    assert_same(actual, expected, ["r_score", "f_score", "m_score", "rfm_segment"])
    assert actual["rfm_segment"].notna().all()


def test_identical_customers_share_rfm_scores_and_segment(con: duckdb.DuckDBPyConnection) -> None:
    """Customers with the same recency, frequency and monetary value never land in different scores or
    segments (ntile used to split them by id), and the one-order customers all share one F score."""
    groups = con.execute("""
        select recency_days, frequency, monetary, count(*) as customers,
               count(distinct rfm_cell) as cells, count(distinct rfm_segment) as segments
        from marts.customer_rfm group by all having count(*) > 1
    """).fetchall()
    assert len(groups) > 20, "the demo should have identical customers"
    assert [g for g in groups if g[4] != 1 or g[5] != 1] == []
    one_order = con.execute("select distinct f_score from marts.customer_rfm where frequency = 1").fetchall()
    assert one_order == [(1,)]
    scores = con.execute("select frequency, min(f_score), max(f_score) from marts.customer_rfm group by 1 "
                         "order by 1").fetchall()
    assert all(low == high for _, low, high in scores)
    assert [low for _, low, _ in scores] == sorted(low for _, low, _ in scores), "more orders, never a lower F"


@pytest.mark.parametrize("relation, dimension, alias", [
    ("marts.cohort_retention", None, None),
    ("marts.cohort_retention_by_channel", "channel_source", "acquisition_channel"),
])
def test_cohorts_match_recomputation(con: duckdb.DuckDBPyConnection, orders: pd.DataFrame, relation: str,
                                     dimension: str | None, alias: str | None) -> None:
    expected = recompute.cohorts(orders, AS_OF_TS, dimension)
    if alias:
        expected = expected.rename(columns={"cohort_dimension": alias})
    else:
        expected = expected.drop(columns="cohort_dimension")
    keys = ["cohort_month", *([alias] if alias else []), "months_since_first_order"]
    actual = mart(con, relation, keys)
    expected = expected.set_index(keys).sort_index()
    assert_same(actual, expected, [
        "cohort_size", "active_customers", "retention_rate", "orders_count", "net_revenue",
        "cumulative_net_revenue", "cumulative_revenue_per_customer", "is_partial_month"])


def test_cohort_triangle_matches_recomputation(con: duckdb.DuckDBPyConnection, orders: pd.DataFrame,
                                               project_vars: dict) -> None:
    months = int(project_vars["value_cohort_triangle_months"])
    long = recompute.cohorts(orders, AS_OF_TS)
    expected = long.pivot(index="cohort_month", columns="months_since_first_order", values="retention_rate")
    expected = expected.reindex(columns=range(months + 1))
    expected.columns = [f"month_{m:02d}" for m in expected.columns]
    expected["cohort_size"] = long.groupby("cohort_month")["cohort_size"].max()
    actual = mart(con, "marts.cohort_retention_triangle", ["cohort_month"])
    assert_same(actual, expected.sort_index(), ["cohort_size", *[f"month_{m:02d}" for m in range(months + 1)]])


def test_lifecycle_and_status_follow_the_thresholds(con: duckdb.DuckDBPyConnection) -> None:
    from core.dictionary import load_dictionary

    allowed = set(load_dictionary().fields["customer_status"].allowed_values)
    rows = con.execute("""
        select lifecycle_stage, customer_status, min(days_since_last_order), max(days_since_last_order), count(*)
        from marts.customer_lifecycle group by all
    """).fetchall()
    stages = {r[0]: r for r in rows}
    assert {r[1] for r in rows} <= allowed
    assert stages["churned"][2] > 120 and stages["lapsed"][2] > 90 and stages["lapsed"][3] <= 120
    assert stages["at_risk"][2] > 60 and stages["at_risk"][3] <= 90 and stages["active"][3] <= 60
    assert stages["prospect"][2] is None


def test_dim_customers_reports_the_lifecycle_status(con: duckdb.DuckDBPyConnection) -> None:
    """dim_customers.customer_status is customer_lifecycle's, customer by customer; null for a profile
    that is not a known customer by as_of (an anonymous device without an order, or first seen later)."""
    rows = con.execute("""
        select
            lifecycle.customer_id is not null as in_lifecycle,
            dim.customer_id is not null as in_dim,
            lifecycle.customer_status is not distinct from dim.customer_status as same_status,
            dim.customer_status,
            count(*)
        from marts.customer_lifecycle as lifecycle
        full join marts.dim_customers as dim using (customer_id)
        group by all
    """).fetchall()
    assert all(in_dim for _, in_dim, *_ in rows), "every lifecycle customer is in dim_customers"
    assert all(same for _, _, same, *_ in rows), rows
    assert all(status is None for in_lifecycle, _, _, status, _ in rows if not in_lifecycle)
    statuses = {status for in_lifecycle, _, _, status, _ in rows if in_lifecycle}
    assert statuses == {"prospect", "active", "lapsed"}


def test_every_built_column_is_documented_and_every_model_unit_tested(con: duckdb.DuckDBPyConnection,
                                                                    demo: Path) -> None:
    """Each value/activation model's yml lists exactly its built columns, in order, each described."""
    manifest = json.loads((demo.parent / "target" / "manifest.json").read_text())
    tested = {u["model"] for u in manifest["unit_tests"].values()}
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"
              and n["original_file_path"].startswith(("../models/marts/value/", "../models/marts/activation/"))]
    assert len(models) >= 25
    for node in models:
        built = [r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ? "
            "order by ordinal_position", [node["name"]]).fetchall()]
        assert built == list(node["columns"]), node["name"]
        assert node["description"] and all(c["description"] for c in node["columns"].values()), node["name"]
        assert node["name"] in tested, f"{node['name']} has no unit test"


def test_value_and_activation_data_tests_pass_on_the_demo(demo: Path, tmp_path: Path) -> None:
    database = tmp_path / "copy.duckdb"
    shutil.copy(demo, database)
    result = run_dbt(["test", "--select", "path:../models/marts/value", "path:../models/marts/activation",
                      "rfm_segments", "lifecycle_thresholds", "--exclude", "test_type:unit"], database, tmp_path)
    assert result.returncode == 0, result.stdout[-20000:]


def test_adding_a_segment_is_a_yaml_change(demo: Path, tmp_path: Path) -> None:
    """Copy the dbt project, add one segment to segment_membership.yml, rebuild only that model."""
    repo = tmp_path / "repo"
    for folder in ("dbt_project", "models", "seeds"):
        shutil.copytree(REPO_ROOT / folder, repo / folder, ignore=shutil.ignore_patterns("target", "logs"))
    spec_path = repo / "models" / "marts" / "value" / "segment_membership.yml"
    spec = yaml.safe_load(spec_path.read_text())
    model = next(m for m in spec["models"] if m["name"] == "segment_membership")
    before = [s["name"] for s in model["config"]["meta"]["segments"]]
    model["config"]["meta"]["segments"].append({
        "name": "big_baskets", "label": "Big baskets", "owner": "team:merchandising",
        "description": "Average order value of 150 or more.", "rule": "average_order_value >= 150",
        "channels": ["email"]})
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
    database = tmp_path / "copy.duckdb"
    shutil.copy(demo, database)
    counts = "select segment, count(*) from marts.segment_membership group by segment"
    with duckdb.connect(str(database), read_only=True) as original:
        counts_before = dict(original.execute(counts).fetchall())

    result = run_dbt(["run", "--select", "segment_membership"], database, tmp_path, repo / "dbt_project")
    assert result.returncode == 0, result.stdout[-20000:]
    with duckdb.connect(str(database), read_only=True) as copy:
        members = {r[0] for r in copy.execute(
            "select customer_id from marts.segment_membership where segment = 'big_baskets'").fetchall()}
        expected = {r[0] for r in copy.execute(
            "select customer_id from marts.customer_features where average_order_value >= 150").fetchall()}
        counts_after = dict(copy.execute(counts).fetchall())
        channels = copy.execute("select distinct segment_channels, is_exclusive from marts.segment_membership "
                                "where segment = 'big_baskets'").fetchall()
    assert members and members == expected
    assert set(counts_before) <= set(before)
    assert {k: v for k, v in counts_after.items() if k != "big_baskets"} == counts_before
    assert channels == [("email", False)]


def test_a_segment_without_owner_is_refused(demo: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    for folder in ("dbt_project", "models", "seeds"):
        shutil.copytree(REPO_ROOT / folder, repo / folder, ignore=shutil.ignore_patterns("target", "logs"))
    spec_path = repo / "models" / "marts" / "value" / "segment_membership.yml"
    spec = yaml.safe_load(spec_path.read_text())
    spec["models"][0]["config"]["meta"]["segments"].append(
        {"name": "orphans", "description": "No owner.", "rule": "orders_count = 0"})
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
    result = run_dbt(["compile", "--select", "segment_membership"], tmp_path / "unused.duckdb", tmp_path,
                     repo / "dbt_project")
    assert result.returncode != 0
    position = len(spec["models"][0]["config"]["meta"]["segments"])
    assert f"segment #{position} (orphans): `owner` is required" in result.stdout
