"""The Amazon connector against a local fake SP-API and LWA: real HTTP, real dlt runs, real DuckDB.

One scenario (module-scoped, two pipeline runs) backs most tests: the first run meets a 429 with
``Retry-After``, a 503 and an access token that expires mid-run, plus an order and a return that
break the contract; the second run follows changes made at the fake in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from core.contracts import load_contracts
from ingestion.api import load_from_api
from ingestion.load import LoadResult
from ingestion.sources import Backoff
from ingestion.sources.amazon import mapping
from ingestion.sources.amazon.client import LwaAuth, SpApiAuthError, SpApiClient, TokenBucket
from tests.connectors.fake_shopify_amazon import (
    LWA_CLIENT_ID,
    LWA_CLIENT_SECRET,
    MARKETPLACE,
    REFRESH_TOKEN,
    CapturedOutput,
    FakeAmazon,
    amazon_item,
    amazon_order,
    column_names,
    files_containing,
    table_rows,
    tsv,
    warehouse_text_matches,
)

CONTRACT = load_contracts()["amazon"]
SHIPMENT_HEADINGS = ["amazon-order-id", "merchant-order-id", "shipment-id", "shipment-item-id", "amazon-order-item-id",
                     "purchase-date", "shipment-date", "reporting-date", "buyer-email", "buyer-phone-number", "sku",
                     "quantity-shipped", "currency", "item-price", "carrier", "tracking-number",
                     "fulfillment-center-id", "sales-channel", "ship-city", "ship-state", "ship-postal-code",
                     "ship-country", "estimated-arrival-date"]
RETURN_HEADINGS = ["return-date", "order-id", "sku", "asin", "fnsku", "product-name", "quantity",
                   "fulfillment-center-id", "detailed-disposition", "reason", "status", "license-plate-number",
                   "customer-comments"]
FEEDBACK_HEADINGS = ["Date", "Rating", "Comments", "Your Response", "Order ID", "Rater Email"]


def order_id(n: int) -> str:
    return f"111-{n:07d}-0000001"


def shipment(n: int, reported: str) -> list[str]:
    return [order_id(n), "", f"D{n}", f"DI{n}", f"{n}0", "2024-03-01T10:00:00+00:00", "2024-03-02T01:00:00-07:00",
            reported, "x1y2@marketplace.amazon.com", "+1 206 555 0100", "SKU-1", "1", "USD", "25.00", "AMZN_US",
            f"TBA{n}", "PHX7", "Amazon.com", "Seattle", "WA", "98101", "US", "2024-03-05T00:00:00-07:00"]


def returned(n: int, when: str, quantity: str = "1") -> list[str]:
    return [when, order_id(n), "SKU-1", "B000TEST01", "X000TEST01", "Mug", quantity, "PHX7", "SELLABLE",
            "UNWANTED_ITEM", "Unit returned to inventory", f"LPN{n:08d}", "Didn't need it anymore"]


def reports(returns: list[list[str]]) -> dict[str, str]:
    return {
        "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL": tsv(SHIPMENT_HEADINGS, [
            shipment(1, "2024-03-02T03:00:00-07:00"), shipment(2, "2024-03-03T03:00:00-07:00")]),
        "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA": tsv(RETURN_HEADINGS, returns),
        "GET_SELLER_FEEDBACK_DATA": tsv(FEEDBACK_HEADINGS, [["3/25/24", "5", "Great mug", "", order_id(1),
                                                             "x1y2@marketplace.amazon.com"]]),
    }


@dataclass
class Scenario:
    fake: FakeAmazon
    warehouse: Path
    pipelines: Path
    first: LoadResult
    second: LoadResult
    first_requests: int
    first_reports: int
    output: str


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Any:
    home = tmp_path_factory.mktemp("amazon")
    warehouse, pipelines = home / "build.duckdb", home / "pipelines"
    with pytest.MonkeyPatch.context() as env, FakeAmazon(orders_page_size=2) as fake, CapturedOutput() as output:
        env.setenv("SOURCES__AMAZON__LWA_CLIENT_ID", LWA_CLIENT_ID)
        env.setenv("SOURCES__AMAZON__LWA_CLIENT_SECRET", LWA_CLIENT_SECRET)
        env.setenv("SOURCES__AMAZON__REFRESH_TOKEN", REFRESH_TOKEN)
        env.setenv("SOURCES__AMAZON__MARKETPLACE_IDS", f"{MARKETPLACE},A2EUQ1WTGCTBG2")
        env.setenv("SOURCES__AMAZON__ENDPOINT", fake.url)
        env.setenv("SOURCES__AMAZON__START_DATE", "2024-01-01")
        fake.orders = [amazon_order(order_id(n), f"2024-03-0{n}T10:00:00Z") for n in range(1, 6)]
        fake.orders[2] = amazon_order(order_id(3), "2024-03-03T10:00:00Z", total="-5.00")  # breaks min: 0
        fake.items = {order_id(n): [amazon_item(f"{n}0")] for n in range(1, 6)}
        fake.items[order_id(1)].append(amazon_item("11"))  # two getOrderItems pages
        fake.reports = reports([returned(1, "2024-03-20T10:00:00+00:00"),
                                returned(2, "2024-03-21T10:00:00+00:00", quantity="-1")])  # breaks min: 0
        fake.faults = [("getOrders", "429"), ("getOrderItems", "503"), ("getReport", "expire")]
        overrides = {"amazon": {"lwa_token_url": f"{fake.url}/auth/o2/token", "backoff_scale": 0.001}}
        first = load_from_api(["amazon"], warehouse, pipelines, overrides)
        first_requests, first_reports = len(fake.requests), len(fake.created_reports)

        fake.orders[1] = amazon_order(order_id(2), "2024-03-10T00:00:00Z", OrderStatus="Canceled")
        fake.orders.append(amazon_order(order_id(6), "2024-03-11T00:00:00Z"))
        fake.items[order_id(6)] = [amazon_item("60")]
        fake.reports = reports([returned(1, "2024-03-20T10:00:00+00:00"),
                                returned(2, "2024-03-21T10:00:00+00:00", quantity="-1"),
                                returned(4, "2024-03-28T09:00:00+00:00")])
        second = load_from_api(["amazon"], warehouse, pipelines, overrides)
        yield Scenario(fake, warehouse, pipelines, first, second, first_requests, first_reports, output.text)


def test_first_run_lands_every_table_in_the_contract_shape(scenario: Scenario) -> None:
    assert scenario.first.table_rows == {
        "raw_amazon.orders": 4, "raw_amazon.order_items": 6, "raw_amazon.fba_shipments": 2,
        "raw_amazon.returns": 1, "raw_amazon.feedback": 1, "raw_amazon.quarantine": 2}
    for table in CONTRACT.tables:
        assert column_names(scenario.warehouse, "raw_amazon", table.name) == [
            *table.column_names, "_cdw_source_file", "_cdw_loaded_at"], table.name


def test_api_and_report_values_land_as_the_contract_expects(scenario: Scenario) -> None:
    order = table_rows(scenario.warehouse, "raw_amazon.orders", "amazon_order_id")[0]
    assert order["order_total__amount"] == "25.00" and order["is_prime"] is True
    assert order["number_of_items_shipped"] == 1 and order["shipping_address__city"] == "Seattle"
    assert order["buyer_info__buyer_email"] is None  # personal data needs a restricted data token
    item = table_rows(scenario.warehouse, "raw_amazon.order_items", "order_item_id")[0]
    assert (item["amazon_order_id"], item["asin"], item["seller_sku"]) == (order_id(1), "B000TEST01", "SKU-1")
    shipped = table_rows(scenario.warehouse, "raw_amazon.fba_shipments", "shipment_item_id")[0]
    assert shipped["reporting_date"] == "2024-03-02T10:00:00Z"  # -07:00 made UTC, so the cursor orders as text
    assert shipped["quantity_shipped"] == 1 and shipped["merchant_order_id"] is None
    assert shipped["_cdw_source_file"] == "api:amazon/fba_shipments"
    feedback = table_rows(scenario.warehouse, "raw_amazon.feedback")[0]
    assert (feedback["date"], feedback["rating"], feedback["your_response"]) == ("2024-03-25", 5, None)


def test_orders_and_items_are_paged_with_next_token(scenario: Scenario) -> None:
    first_run = scenario.fake.requests[:scenario.first_requests]
    orders = [r for r in first_run if r.path == "/orders/v0/orders" and r.method == "GET"]
    assert orders[0].param("LastUpdatedAfter") == "2024-01-01T00:00:00Z"
    assert orders[0].param("MarketplaceIds") == f"{MARKETPLACE},A2EUQ1WTGCTBG2"
    assert [r.param("NextToken") for r in orders if r.param("NextToken")] == [
        "2024-01-01T00:00:00Z|2", "2024-01-01T00:00:00Z|4"]
    assert len(table_rows(scenario.warehouse, f"raw_amazon.order_items WHERE amazon_order_id = '{order_id(1)}'")) == 2


def test_rate_limited_and_expired_token_run_still_lands_everything(scenario: Scenario) -> None:
    assert scenario.fake.faults == []  # the 429, the 503 and the token expiry were all met
    assert "amazon getOrders: HTTP 429 (Retry-After); waiting 1.00 s" in scenario.output
    assert "amazon getOrderItems: HTTP 503 (backoff)" in scenario.output
    assert "amazon getReport: HTTP 403 (Unauthorized: Access to requested resource is denied.)" in scenario.output
    exchanges = [r.form() for r in scenario.fake.calls("token")]
    assert len(exchanges) == 3  # first run: one at the start, one after the expiry; second run: one
    assert all(e["grant_type"] == "refresh_token" and e["client_id"] == LWA_CLIENT_ID for e in exchanges)
    after_expiry = scenario.fake.calls("getReport")[-1]
    assert after_expiry.header("x-amz-access-token") == scenario.fake.issued[-1]


def test_reports_are_created_polled_and_downloaded_without_credentials(scenario: Scenario) -> None:
    created = scenario.fake.created_reports[:scenario.first_reports]
    assert sorted(r["reportType"] for r in created) == [
        "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL", "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA",
        "GET_SELLER_FEEDBACK_DATA"]
    assert all(r["dataStartTime"] == "2024-01-01T00:00:00Z" and r["marketplaceIds"] == [
        MARKETPLACE, "A2EUQ1WTGCTBG2"] for r in created)
    polls = scenario.fake.calls("getReport")
    assert len(polls) >= 3 * 3  # IN_QUEUE, IN_PROGRESS, DONE for each report
    downloads = scenario.fake.calls("download")
    assert len(downloads) == 6
    assert all(d.header("x-amz-access-token") is None for d in downloads)


def test_second_run_asks_only_for_changes_since_each_cursor(scenario: Scenario) -> None:
    later = scenario.fake.requests[scenario.first_requests:]
    orders = [r for r in later if r.path == "/orders/v0/orders"]
    assert orders[0].param("LastUpdatedAfter") == "2024-03-05T10:00:00Z"  # newest valid last_update_date
    starts = {r["reportType"]: r["dataStartTime"] for r in scenario.fake.created_reports[scenario.first_reports:]}
    assert starts == {"GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL": "2024-03-03T10:00:00Z",
                      "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA": "2024-03-20T10:00:00Z",
                      "GET_SELLER_FEEDBACK_DATA": "2024-03-25T00:00:00Z"}
    # order 5 (at the cursor) is dropped by the incremental step; its item shares a getOrders page with
    # order 2's, and children are released per page, so it is merged again (identical, no new row)
    assert scenario.second.landed == {"raw_amazon.orders": 2, "raw_amazon.order_items": 3, "raw_amazon.returns": 1}


def test_second_run_duplicates_nothing(scenario: Scenario) -> None:
    assert scenario.second.table_rows == {
        "raw_amazon.orders": 5, "raw_amazon.order_items": 7, "raw_amazon.fba_shipments": 2,
        "raw_amazon.returns": 2, "raw_amazon.feedback": 1, "raw_amazon.quarantine": 2}
    canceled = table_rows(scenario.warehouse, f"raw_amazon.orders WHERE amazon_order_id = '{order_id(2)}'")
    assert [(o["order_status"], o["last_update_date"]) for o in canceled] == [("Canceled", "2024-03-10T00:00:00Z")]


def test_rows_breaking_the_contract_go_to_quarantine(scenario: Scenario) -> None:
    assert scenario.first.quarantined == {
        "raw_amazon.orders": {"below minimum 0 in order_total__amount": 1},
        "raw_amazon.returns": {"below minimum 0 in quantity": 1}}
    quarantine = table_rows(scenario.warehouse, "raw_amazon.quarantine", "table_name")
    assert [(q["table_name"], q["source_file"]) for q in quarantine] == [
        ("orders", "api:amazon/orders"), ("returns", "api:amazon/returns")]
    assert order_id(3) not in [o["amazon_order_id"] for o in table_rows(scenario.warehouse, "raw_amazon.orders")]


def test_credentials_never_reach_logs_or_the_warehouse(scenario: Scenario) -> None:
    assert "amazon LWA: new access token" in scenario.output  # the logs were captured
    secrets = [LWA_CLIENT_SECRET, REFRESH_TOKEN, LWA_CLIENT_ID, *scenario.fake.issued]
    for secret in secrets:
        assert secret not in scenario.output
        assert warehouse_text_matches(scenario.warehouse, secret) == []
        assert files_containing(scenario.pipelines, secret) == []


def test_restricted_data_token_unlocks_buyer_details() -> None:
    with FakeAmazon() as fake:
        fake.orders = [amazon_order(order_id(1), "2024-03-01T10:00:00Z", email="b@marketplace.amazon.com")]
        session = requests.Session()
        backoff = Backoff(scale=0)
        auth = LwaAuth(LWA_CLIENT_ID, LWA_CLIENT_SECRET, REFRESH_TOKEN, token_url=f"{fake.url}/auth/o2/token",
                       session=session, backoff=backoff)
        client = SpApiClient(fake.url, auth, [MARKETPLACE], backoff=backoff, session=session, restricted_data=True)
        [page] = list(client.orders("2024-01-01T00:00:00Z"))
    assert page[0]["BuyerInfo"]["BuyerEmail"] == "b@marketplace.amazon.com"
    assert fake.calls("getOrders")[0].header("x-amz-access-token").startswith("Atz.sprdt|")
    row = mapping.order_row(CONTRACT.table("orders"), page[0])
    assert (row["buyer_info__buyer_email"], row["shipping_address__address_line1"]) == (
        "b@marketplace.amazon.com", "5 Elm St")


def test_a_refused_refresh_token_fails_clearly_without_echoing_secrets() -> None:
    with FakeAmazon() as fake:
        session = requests.Session()
        auth = LwaAuth(LWA_CLIENT_ID, LWA_CLIENT_SECRET, "Atzr|revoked", token_url=f"{fake.url}/auth/o2/token",
                       session=session, backoff=Backoff(scale=0))
        with pytest.raises(SpApiAuthError) as failure:
            auth.access_token()
    message = str(failure.value)
    assert "invalid_client" in message and "SOURCES__AMAZON__REFRESH_TOKEN" in message
    assert "Atzr|revoked" not in message and LWA_CLIENT_SECRET not in message


def test_token_bucket_spaces_requests_beyond_the_burst() -> None:
    bucket = TokenBucket(rate=2.0, burst=2)
    assert [bucket.take(), bucket.take()] == [0.0, 0.0]
    assert bucket.take() == pytest.approx(0.5, abs=0.05)


def test_report_timestamps_become_utc_and_feedback_dates_iso() -> None:
    assert mapping.utc_timestamp("2024-05-01T07:48:44-07:00") == "2024-05-01T14:48:44Z"
    assert mapping.utc_timestamp("not a date") == "not a date"
    assert mapping.feedback_date("1/15/24") == "2024-01-15"
    assert mapping.feedback_date("15/01/2024", order="DMY") == "2024-01-15"
    assert mapping.feedback_date("2024-01-15T08:00:00Z") == "2024-01-15"
