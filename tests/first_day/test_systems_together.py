"""Several systems by their export files, from an empty CDW_HOME: stitched, published, empty marts named."""

from __future__ import annotations

import duckdb
import pytest

from tests.first_day.helpers import assert_published_with_every_raw_table, first_run

pytestmark = pytest.mark.e2e

ALL_FOUR = ["amazon_all_orders", "klaviyo_profiles", "shopify_customers", "shopify_orders", "zendesk_tickets"]


def test_shopify_and_klaviyo_exports_publish_and_stitch_people(tmp_path):
    run = first_run(tmp_path / "home", ["shopify_orders", "shopify_customers", "klaviyo_profiles"])
    assert_published_with_every_raw_table(run)
    with duckdb.connect(str(run.build_db), read_only=True) as con:
        stitched = con.execute(
            "select count(*) from (select customer_id from marts.customer_source_map group by customer_id "
            "having count(distinct source_system) > 1)").fetchall()[0][0]
    assert stitched > 0, "a Klaviyo profile and a Shopify customer of the same person are one customer"
    assert "no data from amazon, zendesk" in run.output


def test_all_four_systems_by_export_publish(tmp_path):
    run = first_run(tmp_path / "home", ALL_FOUR, record_in_dagster=True)
    assert_published_with_every_raw_table(run)
    assets, checks = run.dagster_records()
    assert assets > 100 and checks > 500, "the first run is recorded in the Dagster instance for `cdw ui`"
    for relation in ("raw_shopify.orders", "raw_amazon.orders", "raw_klaviyo.profiles", "raw_zendesk.tickets"):
        assert run.build_rows(relation) > 0, relation
    assert "rejected" not in run.output.lower() or "0 rejected" in run.output
