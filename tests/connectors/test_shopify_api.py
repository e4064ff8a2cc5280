"""The Shopify connector against a local fake Admin GraphQL API: real HTTP, real dlt runs, real DuckDB.

One scenario (module-scoped, two pipeline runs) backs most tests: the first run meets a THROTTLED
error, a 429 with ``Retry-After`` and a 503, and one customer that breaks the contract; the
second run follows changes made at the fake in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core.contracts import load_contracts
from ingestion.api import ApiSourceError, available_systems, connector, load_from_api
from ingestion.load import LoadResult
from ingestion.sources import Backoff
from ingestion.sources.shopify import mapping
from ingestion.sources.shopify.client import CostBudget, ShopifyAuthError, ShopifyClient
from tests.connectors.fake_shopify_amazon import (
    SHOP_TOKEN,
    CapturedOutput,
    FakeShopify,
    column_names,
    files_containing,
    shop_checkout,
    shop_customer,
    shop_line_item,
    shop_order,
    shop_product,
    shop_refund,
    table_rows,
    warehouse_text_matches,
)

CONTRACT = load_contracts()["shopify"]
FIRST_RUN_ROWS = {
    "raw_shopify.customers": 2,
    "raw_shopify.orders": 2,
    "raw_shopify.orders__line_items": 25,
    "raw_shopify.refunds": 1,
    "raw_shopify.refunds__refund_line_items": 1,
    "raw_shopify.abandoned_checkouts": 1,
    "raw_shopify.abandoned_checkouts__line_items": 2,
    "raw_shopify.products": 1,
    "raw_shopify.products__variants": 30,
    "raw_shopify.quarantine": 1,
}


@dataclass
class Scenario:
    fake: FakeShopify
    warehouse: Path
    pipelines: Path
    first: LoadResult
    second: LoadResult
    first_calls: int
    output: str


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Any:
    home = tmp_path_factory.mktemp("shopify")
    warehouse, pipelines = home / "build.duckdb", home / "pipelines"
    with pytest.MonkeyPatch.context() as env, FakeShopify() as fake, CapturedOutput() as output:
        env.setenv("SOURCES__SHOPIFY__SHOP_DOMAIN", "fake-shop.myshopify.com")
        env.setenv("SOURCES__SHOPIFY__ACCESS_TOKEN", SHOP_TOKEN)
        env.setenv("SOURCES__SHOPIFY__START_DATE", "2023-06-01")
        fake.customers = [shop_customer(1, "2024-01-01T00:00:00Z"), shop_customer(2, "2024-01-02T00:00:00Z"),
                          shop_customer(3, "2024-01-03T00:00:00Z", email="ann(at)example.com")]
        fake.orders = [
            shop_order(10, "2024-02-05T00:00:00Z", [shop_line_item(i) for i in range(1, 25)], [shop_refund(5, 1)]),
            shop_order(11, "2024-02-06T00:00:00Z", [shop_line_item(100)]),
        ]
        fake.checkouts = [shop_checkout(30, "2024-03-02T00:00:00Z", lines=2)]
        fake.products = [shop_product(7, "2024-01-05T00:00:00Z", variants=30)]
        fake.faults = [("Orders", "throttled"), ("Customers", "429"), ("Products", "503")]
        overrides = {"shopify": {"base_url": fake.url, "backoff_scale": 0.001}}
        first = load_from_api(["shopify"], warehouse, pipelines, overrides)
        first_calls = len(fake.calls)

        fake.customers.append(shop_customer(4, "2024-01-10T00:00:00Z", email="dee@example.com"))
        fake.orders[1] = shop_order(11, "2024-02-10T00:00:00Z", [shop_line_item(100), shop_line_item(101)],
                                    total="25.00")
        second = load_from_api(["shopify"], warehouse, pipelines, overrides)
        yield Scenario(fake, warehouse, pipelines, first, second, first_calls, output.text)


def second_run_filter(scenario: Scenario, operation: str) -> list[str | None]:
    return [v.get("query") for name, v in scenario.fake.calls[scenario.first_calls:] if name == operation]


def test_first_run_lands_every_table_in_the_contract_shape(scenario: Scenario) -> None:
    assert {k: v for k, v in scenario.first.table_rows.items()} == FIRST_RUN_ROWS
    for table in CONTRACT.tables:
        if table.name == "pixel_events":
            continue  # no pull API: storefront pixels push to their own endpoint
        assert column_names(scenario.warehouse, "raw_shopify", table.name) == [
            *table.column_names, "_cdw_source_file", "_cdw_loaded_at"], table.name


def test_graphql_values_land_as_the_contract_expects(scenario: Scenario) -> None:
    order = table_rows(scenario.warehouse, "raw_shopify.orders", "id")[0]
    assert order["id"] == 10 and order["customer__id"] == 1
    assert order["financial_status"] == "paid" and order["fulfillment_status"] == "fulfilled"
    assert order["subtotal_price"] == "20.00" and order["total_shipping_price_set__shop_money__amount"] == "5.00"
    assert order["landing_site"] == "https://shop.example/?utm_source=google"
    assert order["fulfilled_at"] == "2024-02-02T00:00:00Z"
    assert order["checkout_token"] == f"tok{10:029d}"  # the order links to its checkout and storefront events
    assert (order["shipping_address__first_name"], order["shipping_address__name"]) == ("Ann", "Ann Lee")
    # The address phones (identity signals for SMS-only contacts): shipping, billing, default address.
    assert (order["shipping_address__phone"], order["billing_address__phone"]) == ("+1 217 555 0143", "217-555-0144")
    assert order["_cdw_source_file"] == "api:shopify/orders"
    customer = table_rows(scenario.warehouse, "raw_shopify.customers", "id")[0]
    assert customer["tags"] == "vip, newsletter" and customer["state"] == "enabled"
    assert customer["email_marketing_consent__state"] == "subscribed"
    assert customer["email_marketing_consent__opt_in_level"] == "single_opt_in"
    assert customer["default_address__country_code"] == "US" and customer["currency"] == "USD"
    assert customer["default_address__phone"] == "(217) 555-0142"
    refund_line = table_rows(scenario.warehouse, "raw_shopify.refunds__refund_line_items")[0]
    assert refund_line == {**refund_line, "id": 50, "refund_id": 5, "line_item_id": 1, "restock_type": "return"}
    assert table_rows(scenario.warehouse, "raw_shopify.refunds")[0]["order_id"] == 10
    checkout = table_rows(scenario.warehouse, "raw_shopify.abandoned_checkouts")[0]
    assert checkout["id"] == 30 and checkout["token"] == f"tok{30:029d}" and checkout["currency"] == "USD"
    variant = table_rows(scenario.warehouse, "raw_shopify.products__variants", "id")[0]
    assert variant["inventory_item__cost"] == "4.10" and variant["product_id"] == 7


def test_nested_connections_are_paged_to_the_end(scenario: Scenario) -> None:
    assert len(table_rows(scenario.warehouse, "raw_shopify.products__variants")) == 30  # page of 25 + rest
    assert scenario.fake.graphql_calls("VariantsRest") and scenario.fake.graphql_calls("OrderLineItemsRest")


def test_rate_limited_run_still_lands_everything(scenario: Scenario) -> None:
    assert scenario.fake.faults == []  # every injected THROTTLED, 429 and 503 was met
    assert "shopify Orders: THROTTLED; waiting" in scenario.output
    assert "shopify Customers: HTTP 429 (Retry-After); waiting 2.00 s" in scenario.output
    assert "shopify Products: HTTP 503 (backoff)" in scenario.output
    assert scenario.first.landed["raw_shopify.orders__line_items"] == 25
    assert scenario.first.landed["raw_shopify.products__variants"] == 30


def test_first_run_starts_at_the_configured_start_date(scenario: Scenario) -> None:
    assert scenario.fake.graphql_calls("Customers")[0]["query"] == "updated_at:>='2023-06-01T00:00:00Z'"


def test_second_run_asks_only_for_changes_since_each_cursor(scenario: Scenario) -> None:
    # customer 3 was quarantined, so the customers cursor stays at the newest *valid* row
    assert second_run_filter(scenario, "Customers") == ["updated_at:>='2024-01-02T00:00:00Z'"]
    assert second_run_filter(scenario, "Orders") == ["updated_at:>='2024-02-06T00:00:00Z'"]
    assert second_run_filter(scenario, "AbandonedCheckouts") == ["updated_at:>='2024-03-02T00:00:00Z'"]
    assert second_run_filter(scenario, "Products") == ["updated_at:>='2024-01-05T00:00:00Z'"]
    assert scenario.second.landed == {"raw_shopify.customers": 1, "raw_shopify.orders": 1,
                                      "raw_shopify.orders__line_items": 2}


def test_second_run_duplicates_nothing(scenario: Scenario) -> None:
    expected = {**FIRST_RUN_ROWS, "raw_shopify.customers": 3, "raw_shopify.orders__line_items": 26}
    assert scenario.second.table_rows == expected
    orders = table_rows(scenario.warehouse, "raw_shopify.orders", "id")
    assert [(o["id"], o["updated_at"], o["total_price"]) for o in orders] == [
        (10, "2024-02-05T00:00:00Z", "20.00"), (11, "2024-02-10T00:00:00Z", "25.00")]


def test_rows_breaking_the_contract_go_to_quarantine(scenario: Scenario) -> None:
    assert scenario.first.quarantined == {"raw_shopify.customers": {"malformed email in email": 1}}
    [row] = table_rows(scenario.warehouse, "raw_shopify.quarantine")
    assert (row["table_name"], row["source_file"]) == ("customers", "api:shopify/customers")
    assert '"ann(at)example.com"' in row["payload"]
    assert 3 not in [c["id"] for c in table_rows(scenario.warehouse, "raw_shopify.customers")]


def test_the_access_token_never_reaches_logs_or_the_warehouse(scenario: Scenario) -> None:
    first_request = next(r for r in scenario.fake.requests if r.method == "POST")
    assert first_request.header("X-Shopify-Access-Token") == SHOP_TOKEN  # it was used...
    assert "shopify Orders" in scenario.output  # ...and the logs were captured
    assert SHOP_TOKEN not in scenario.output
    assert warehouse_text_matches(scenario.warehouse, SHOP_TOKEN) == []
    assert files_containing(scenario.pipelines, SHOP_TOKEN) == []


def test_a_refused_token_fails_with_a_clear_error_that_does_not_echo_it() -> None:
    wrong = "shpat_wrong_token_value"
    with FakeShopify() as fake:
        client = ShopifyClient("fake-shop.myshopify.com", wrong, base_url=fake.url, backoff=Backoff(scale=0))
        with pytest.raises(ShopifyAuthError) as failure:
            list(client.customers(None))
    assert "HTTP 401" in str(failure.value) and wrong not in str(failure.value)


def test_cost_budget_waits_for_the_points_the_query_asked_for_last_time() -> None:
    budget = CostBudget()
    budget.update({"requestedQueryCost": 300, "throttleStatus": {
        "maximumAvailable": 1000.0, "currentlyAvailable": 100.0, "restoreRate": 50.0}}, "Orders")
    assert budget.requested["Orders"] == 300
    assert budget.wait_for(300) == pytest.approx(4.0, abs=0.1)
    assert budget.wait_for(50) == 0.0


def test_mapping_reads_ids_enums_and_tokens_like_rest_did() -> None:
    assert mapping.numeric_id("gid://shopify/LineItem/123") == 123
    assert mapping.legacy_id({"legacyResourceId": "77", "id": "gid://shopify/Order/77"}) == 77
    assert mapping.gid_tail("gid://shopify/AbandonedCheckoutLineItem/ab12cd") == "ab12cd"
    assert mapping.FULFILLMENT_STATUS.get("PARTIALLY_FULFILLED") == "partial"
    assert mapping.order_row({"displayFulfillmentStatus": "UNFULFILLED"})["fulfillment_status"] is None
    assert mapping.checkout_token("https://s.example/checkouts/ac/Z9tok/recover?key=1") == "Z9tok"


def test_connectors_are_discovered_by_package_and_unknown_systems_refused(tmp_path: Path) -> None:
    assert {"shopify", "amazon"} <= set(available_systems())
    assert connector("shopify").SYSTEM == "shopify"
    with pytest.raises(ValueError, match="no landing contract"):
        load_from_api(["nosuchvendor"], tmp_path / "w.duckdb", tmp_path / "p")


def test_a_failed_run_names_the_system_and_the_cause_without_the_token(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = "shpat_wrong_token_value"
    monkeypatch.setenv("SOURCES__SHOPIFY__SHOP_DOMAIN", "fake-shop.myshopify.com")
    monkeypatch.setenv("SOURCES__SHOPIFY__ACCESS_TOKEN", wrong)
    with FakeShopify() as fake, pytest.raises(ApiSourceError) as failure:
        load_from_api(["shopify"], tmp_path / "w.duckdb", tmp_path / "p",
                      {"shopify": {"base_url": fake.url, "backoff_scale": 0}})
    message = str(failure.value)
    assert message.startswith("shopify: API load failed: ShopifyAuthError") and "HTTP 401" in message
    assert wrong not in message
