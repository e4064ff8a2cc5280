"""All four vendors by their APIs (local fakes that speak each vendor's protocol), from an empty CDW_HOME.

The command line runs as a subprocess with credentials in the environment, the way a seller
configures it; the fakes answer on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from tests.connectors.fake_klaviyo_zendesk import FakeKlaviyo, FakeZendesk
from tests.connectors.fake_shopify_amazon import (
    LWA_CLIENT_ID,
    LWA_CLIENT_SECRET,
    MARKETPLACE,
    REFRESH_TOKEN,
    SHOP_TOKEN,
    FakeAmazon,
    FakeShopify,
    amazon_item,
    amazon_order,
    shop_checkout,
    shop_customer,
    shop_line_item,
    shop_order,
    shop_product,
    shop_refund,
)
from tests.connectors.test_amazon_api import order_id, reports, returned
from tests.first_day.helpers import assert_published_with_every_raw_table, first_run

pytestmark = pytest.mark.e2e
KLAVIYO_KEY = "pk_firstday0123456789abcdef"
ZENDESK_EMAIL, ZENDESK_TOKEN = "ops@shop.example", "zdFirstDayTok3n0123456789ABCDEFGHIJ"


@pytest.fixture
def servers() -> Iterator[tuple[HTTPServer, HTTPServer]]:
    pair = (HTTPServer(host="127.0.0.1", port=0, threaded=True), HTTPServer(host="127.0.0.1", port=0, threaded=True))
    for server in pair:
        server.start()
    yield pair
    for server in pair:
        server.clear()
        if server.is_running():
            server.stop()


def _klaviyo(server: HTTPServer) -> FakeKlaviyo:
    fake = FakeKlaviyo(server, KLAVIYO_KEY)
    fake.add_metric("RECV", "Received Email")
    fake.add_list("L1", "Newsletter", "2024-01-02T00:00:00+00:00")
    fake.add_profile("P1", "ann@example.com", "2024-01-05T10:00:00+00:00", consent_at="2024-01-05T10:00:00+00:00")
    fake.add_profile("P2", "bo@example.com", "2024-01-06T10:00:00+00:00", phone="+15125550100",
                     sms_consent="SUBSCRIBED", consent_at="2024-01-06T10:00:00+00:00")
    fake.add_member("L1", "P1", "2024-01-05T10:00:00+00:00")
    fake.add_event("E1", "P1", "RECV", "2024-01-06T08:00:00+00:00", **{"Campaign Name": "January Sale"})
    return fake


def _zendesk(server: HTTPServer) -> FakeZendesk:
    fake = FakeZendesk(server, ZENDESK_EMAIL, ZENDESK_TOKEN)
    fake.put_user(101, "2024-01-02T09:00:00Z", email="ann@example.com", name="Ann Lee")
    fake.put_ticket(11, "2024-01-05T10:00:00Z", requester_id=101)
    fake.put_rating(1, 11, "2024-01-06T10:00:00Z")
    return fake


def test_all_four_vendors_by_api_publish(tmp_path, servers):
    klaviyo_server, zendesk_server = servers
    klaviyo, zendesk = _klaviyo(klaviyo_server), _zendesk(zendesk_server)
    with FakeShopify() as shopify, FakeAmazon(orders_page_size=2) as amazon:
        shopify.customers = [shop_customer(1, "2024-01-01T00:00:00Z"),
                             shop_customer(2, "2024-01-02T00:00:00Z", email="bo@example.com")]
        shopify.orders = [shop_order(10, "2024-02-05T00:00:00Z", [shop_line_item(1), shop_line_item(2)],
                                     [shop_refund(5, 1)]),
                          shop_order(11, "2024-02-06T00:00:00Z", [shop_line_item(100)])]
        shopify.checkouts = [shop_checkout(30, "2024-03-02T00:00:00Z")]
        shopify.products = [shop_product(7, "2024-01-05T00:00:00Z", variants=2)]
        amazon.orders = [amazon_order(order_id(n), f"2024-03-0{n}T10:00:00Z") for n in range(1, 4)]
        amazon.items = {order_id(n): [amazon_item(f"{n}0")] for n in range(1, 4)}
        amazon.reports = reports([returned(1, "2024-03-20T10:00:00+00:00")])
        env = {
            "SOURCES__SHOPIFY__SHOP_DOMAIN": "fake-shop.myshopify.com", "SOURCES__SHOPIFY__ACCESS_TOKEN": SHOP_TOKEN,
            "SOURCES__SHOPIFY__START_DATE": "2023-06-01", "SOURCES__SHOPIFY__BASE_URL": shopify.url,
            "SOURCES__SHOPIFY__BACKOFF_SCALE": "0.001",
            "SOURCES__AMAZON__LWA_CLIENT_ID": LWA_CLIENT_ID, "SOURCES__AMAZON__LWA_CLIENT_SECRET": LWA_CLIENT_SECRET,
            "SOURCES__AMAZON__REFRESH_TOKEN": REFRESH_TOKEN, "SOURCES__AMAZON__MARKETPLACE_IDS": MARKETPLACE,
            "SOURCES__AMAZON__ENDPOINT": amazon.url, "SOURCES__AMAZON__LWA_TOKEN_URL": f"{amazon.url}/auth/o2/token",
            "SOURCES__AMAZON__START_DATE": "2024-01-01", "SOURCES__AMAZON__BACKOFF_SCALE": "0.001",
            "SOURCES__KLAVIYO__API_KEY": KLAVIYO_KEY, "SOURCES__KLAVIYO__START_DATE": "2024-01-01",
            "SOURCES__KLAVIYO__BASE_URL": klaviyo.url, "SOURCES__KLAVIYO__BACKOFF_SCALE": "0.001",
            "SOURCES__ZENDESK__SUBDOMAIN": "shop", "SOURCES__ZENDESK__EMAIL": ZENDESK_EMAIL,
            "SOURCES__ZENDESK__API_TOKEN": ZENDESK_TOKEN, "SOURCES__ZENDESK__START_DATE": "2024-01-01",
            "SOURCES__ZENDESK__BASE_URL": zendesk.url, "SOURCES__ZENDESK__BACKOFF_SCALE": "0.001",
        }
        run = first_run(tmp_path / "home", [], "--source", "api", "--as-of", "2024-06-30", env=env)
    assert_published_with_every_raw_table(run)
    for relation in ("raw_shopify.orders", "raw_amazon.orders", "raw_klaviyo.profiles", "raw_zendesk.tickets"):
        assert run.build_rows(relation) > 0, relation
    assert "2024-06-30" in run.output
    for secret in (SHOP_TOKEN, KLAVIYO_KEY, ZENDESK_TOKEN, LWA_CLIENT_SECRET, REFRESH_TOKEN):
        assert secret not in run.output
