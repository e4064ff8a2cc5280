"""Orchestration settings validate with useful messages; previews mask personal data."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg
import duckdb
import pytest

from orchestration.config import CONFIG_PATH, OrchestrationConfigError, parse_config, parse_duration, read_config
from orchestration.ownership import govern, pii_columns
from orchestration.table_metadata import mask, preview_markdown, relation_metadata


def test_the_repository_config_loads():
    config = read_config(CONFIG_PATH)
    assert config.lane.interval_minutes == 15 and config.lane.cron == "*/15 * * * *"
    assert config.alerts.webhook_url_env == "CDW_ALERT_WEBHOOK_URL"


@pytest.mark.parametrize(("raw", "expected"), [("90s", timedelta(seconds=90)), ("45m", timedelta(minutes=45)),
                                               ("26h", timedelta(hours=26)), ("1.5d", timedelta(hours=36)),
                                               (30, timedelta(seconds=30))])
def test_durations(raw, expected):
    assert parse_duration(raw, "x") == expected


@pytest.mark.parametrize(("raw", "message"), [
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"activation_lane": {"interval_minutes": 7}}, "activation_lane.interval_minutes: must divide 60, got 7"),
    ({"schedules": {"nightly_warehouse": {"cron": "every night"}}}, "schedules.nightly_warehouse.cron"),
    ({"schedules": {"hourly": {"cron": "0 * * * *"}}}, r"schedules.hourly: unknown key \(known: nightly_warehouse, "),
    ({"schedules": {"activation_lane": {"cron": "*/5 * * * *"}}}, "interval_minutes instead"),
    ({"freshness": {"sources": {"raw_shopify/orders": "soon"}}}, "freshness.sources.raw_shopify/orders"),
    ({"default_owner": "nobody"}, "default_owner"),
])
def test_invalid_settings_name_the_setting(raw, message):
    with pytest.raises(OrchestrationConfigError, match=message):
        parse_config(raw)


def test_most_specific_freshness_pattern_wins():
    config = parse_config({"freshness": {"default": "26h", "sources": {"raw_shopify/*": "2h",
                                                                       "raw_shopify/pixel_events": "30m"}}})
    assert config.freshness.max_lag("raw_shopify/pixel_events") == timedelta(minutes=30)
    assert config.freshness.max_lag("raw_shopify/orders") == timedelta(hours=2)
    assert config.freshness.max_lag("raw_amazon/orders") == timedelta(hours=26)


def test_pii_columns_are_identifiers_not_facts_about_them():
    columns = ["id", "email", "verified_email", "email_marketing_consent__state", "buyer_email", "phone",
               "first_name", "shipping_address_line_1", "default_address__zip", "default_address__city",
               "event_name", "order_name", "product_title"]
    assert pii_columns(columns) == {"email", "buyer_email", "phone", "first_name", "shipping_address_line_1",
                                    "default_address__zip"}


def test_preview_masks_personal_data_and_counts_rows():
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.people as select * from (values (1, 'jane@example.com', 'Jane', true, 'a|b'), "
                "(2, 'max@example.org', 'Max', false, null)) t(id, email, first_name, is_active, note)")
    metadata = relation_metadata(con, "marts.people")
    assert metadata["dagster/row_count"].value == 2
    table = metadata["preview"].value
    assert "jane@example.com" not in table and "j***@e***" in table and "J***" in table
    assert "| email* |" in table and "a\\|b" in table and "True" in table
    assert mask("") == "" and mask(42) == "4***"
    assert preview_markdown(["a"], [], set()) == "| a |\n|---|"


def test_a_staging_view_is_not_run_for_its_metadata():
    con = duckdb.connect()
    con.execute("create schema staging")
    con.execute("create schema marts")
    con.execute("create view staging.stg_people as select error('the view was run') as email")
    con.execute("create view marts.people as select 1 as id")
    assert relation_metadata(con, "staging.stg_people") == {"dagster/column_count": dg.MetadataValue.int(1)}
    assert relation_metadata(con, "marts.people")["dagster/row_count"].value == 1  # an analysts' view is counted


def test_govern_adds_the_steward_as_owner_and_says_so():
    spec = govern(dg.AssetSpec(dg.AssetKey(["raw_shopify", "orders"]), description="Store orders."))
    assert spec.owners == ["team:orders"]
    assert spec.description.startswith("Store orders.") and "Owner: Orders owner (team:orders)" in spec.description
    fallback = govern(dg.AssetSpec(dg.AssetKey(["nobody_owns_this"])))
    assert fallback.owners == ["team:data-platform"] and "default owner" in fallback.description
