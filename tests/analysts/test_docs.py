"""`cdw docs`: dbt docs generate with no environment or flags; home page, exposures, owners, CLV documented."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from activation import load_config as load_activation_config
from dashboard import catalog
from dashboard.views import PAGES
from tests.analysts.conftest import run_cdw

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(analyst_home: Path) -> Path:
    result = run_cdw(analyst_home, "docs", "--no-serve")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return analyst_home / "dbt" / "docs"


def test_the_generated_docs_files_are_up_to_date():
    assert catalog.main(["--check"]) == 0


def test_the_site_has_the_overview_with_serving_names_and_owners(site: Path):
    assert (site / "index.html").exists()
    manifest = json.loads((site / "manifest.json").read_text())
    overview = manifest["docs"]["doc.customer_warehouse.__overview__"]["block_contents"]
    assert "analytics.<name>" in overview and "serving.duckdb" in overview
    assert "team:orders" in overview and "cdw metrics" in overview


def test_every_dashboard_page_and_sync_is_an_exposure_with_an_owner(site: Path):
    manifest = json.loads((site / "manifest.json").read_text())
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    syncs = load_activation_config().syncs
    assert {f"dashboard_{page.URL}" for page in PAGES} | {f"sync_{name}" for name in syncs} <= set(exposures)
    assert all(e["owner"]["name"] for e in exposures.values())
    vips = exposures["sync_vip_to_klaviyo"]
    assert vips["depends_on"]["nodes"] == ["model.customer_warehouse.audience_vips_email"]
    assert "source.customer_warehouse.clv.customer_clv" in exposures["dashboard_clv"]["depends_on"]["nodes"]


def test_customer_clv_and_the_marts_are_documented_in_the_catalog(site: Path):
    catalog_json = json.loads((site / "catalog.json").read_text())
    manifest = json.loads((site / "manifest.json").read_text())
    clv = manifest["sources"]["source.customer_warehouse.clv.customer_clv"]
    assert clv["description"] and clv["columns"]["predicted_clv"]["description"]
    assert "customer_age_periods" in clv["columns"] and "T" not in clv["columns"]
    assert "source.customer_warehouse.clv.customer_clv" in catalog_json["sources"]
    assert "model.customer_warehouse.customer_value" in catalog_json["nodes"]
    assert len(manifest["metrics"]) >= 15
