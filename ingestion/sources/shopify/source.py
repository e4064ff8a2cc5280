"""dlt source of the Shopify Admin GraphQL API -> ``raw_shopify`` (contract ``shopify.yml``).

Resources (named as the contract tables): ``customers``, ``orders`` (+ ``orders__line_items``,
``refunds``, ``refunds__refund_line_items`` from the same responses), ``abandoned_checkouts``
(+ ``abandoned_checkouts__line_items``), ``products`` (+ ``products__variants``), then
``quarantine``. Each top-level table pulls only what changed since its ``updated_at`` cursor
(``updated_at:>='…'`` search filter). ``pixel_events`` has no pull API (Web Pixels push to the
storefront's own endpoint), so this source does not produce it.

Configuration (dlt config/secrets, or environment variables):
``SOURCES__SHOPIFY__SHOP_DOMAIN`` (``my-store.myshopify.com``), ``SOURCES__SHOPIFY__ACCESS_TOKEN``
(secret), ``SOURCES__SHOPIFY__START_DATE`` (optional, ISO date; default: everything).
"""

from __future__ import annotations

from collections.abc import Iterator

import dlt
from dlt.common.typing import TSecretStrValue
from dlt.extract import DltResource

from core.contracts import load_contracts
from ingestion.landing_source import SCHEMA_CONTRACT
from ingestion.sources import ApiRun, Backoff, Page, start_timestamp
from ingestion.sources.shopify import mapping, settings
from ingestion.sources.shopify.client import ShopifyClient

SYSTEM = "shopify"


@dlt.source(name=SYSTEM, section=SYSTEM, max_table_nesting=0, schema_contract=SCHEMA_CONTRACT)
def source(
    shop_domain: str = dlt.config.value,
    access_token: TSecretStrValue = dlt.secrets.value,
    start_date: str | None = None,
    base_url: str | None = None,
    api_version: str = settings.API_VERSION,
    backoff_scale: float = 1.0,
) -> list[DltResource]:
    """Shopify store data changed since each table's cursor (first run: since ``start_date``).

    ``base_url`` replaces ``https://<shop_domain>`` (tests point it at a local server);
    ``backoff_scale`` multiplies every wait (tests use a tiny one).
    """
    client = ShopifyClient(
        shop_domain,
        access_token,
        base_url=base_url,
        api_version=api_version,
        backoff=Backoff(settings.MAX_ATTEMPTS, settings.BACKOFF_SECONDS, settings.MAX_BACKOFF_SECONDS,
                        scale=backoff_scale),
    )
    run = ApiRun(load_contracts()[SYSTEM])
    start = start_timestamp(start_date)

    def customers(since: str | None) -> Iterator[Page]:
        for page in client.customers(since):
            yield mapping.customers_page(page)

    def orders(since: str | None) -> Iterator[Page]:
        for page, refunds in client.orders(since):
            yield mapping.orders_page(page, refunds)

    def checkouts(since: str | None) -> Iterator[Page]:
        for page in client.abandoned_checkouts(since):
            yield mapping.checkouts_page(page)

    def products(since: str | None) -> Iterator[Page]:
        for page in client.products(since):
            yield mapping.products_page(page)

    return [
        *run.cursor_resources("customers", customers, initial_value=start),
        *run.cursor_resources("orders", orders, initial_value=start,
                              children=("orders__line_items", "refunds", "refunds__refund_line_items")),
        *run.cursor_resources("abandoned_checkouts", checkouts, initial_value=start,
                              children=("abandoned_checkouts__line_items",)),
        *run.cursor_resources("products", products, initial_value=start, children=("products__variants",)),
        run.quarantine_resource(),
    ]
