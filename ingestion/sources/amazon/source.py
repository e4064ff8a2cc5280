"""dlt source of the Amazon Selling Partner API -> ``raw_amazon`` (contract ``amazon.yml``).

Resources (named as the contract tables): ``orders`` (getOrders from ``LastUpdatedAfter`` = the
``last_update_date`` cursor) with ``order_items`` (getOrderItems of those orders), then one
report each for ``fba_shipments`` (GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL), ``returns``
(GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA) and ``feedback`` (GET_SELLER_FEEDBACK_DATA), each
requested from its own cursor (``dataStartTime``), then ``quarantine``.

Configuration (dlt config/secrets, or environment variables):
``SOURCES__AMAZON__LWA_CLIENT_ID``, ``SOURCES__AMAZON__LWA_CLIENT_SECRET``,
``SOURCES__AMAZON__REFRESH_TOKEN`` (secrets), ``SOURCES__AMAZON__MARKETPLACE_IDS``
(comma-separated), ``SOURCES__AMAZON__ENDPOINT`` (URL, or ``na``/``eu``/``fe``; default ``na``),
``SOURCES__AMAZON__START_DATE`` (optional; default: two years ago, the Orders API's reach),
``SOURCES__AMAZON__RESTRICTED_DATA`` (``true`` to request buyer e-mail/name/address with a
restricted data token; needs the app's PII roles).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

import dlt
import requests
from dlt.common.typing import TSecretStrValue
from dlt.extract import DltResource

from core.contracts import load_contracts
from ingestion.landing_source import SCHEMA_CONTRACT
from ingestion.sources import ApiRun, Backoff, Page, start_timestamp
from ingestion.sources.amazon import mapping, settings
from ingestion.sources.amazon.client import LwaAuth, SpApiClient

SYSTEM = "amazon"
DEFAULT_HISTORY = timedelta(days=729)


def marketplace_list(value: str | list[str] | tuple[str, ...]) -> list[str]:
    """Marketplace ids from config: a list, or a comma-separated string."""
    items = value.split(",") if isinstance(value, str) else list(value)
    ids = [str(i).strip() for i in items if str(i).strip()]
    if not ids:
        raise ValueError("SOURCES__AMAZON__MARKETPLACE_IDS is empty")
    return ids


@dlt.source(name=SYSTEM, section=SYSTEM, max_table_nesting=0, schema_contract=SCHEMA_CONTRACT)
def source(
    lwa_client_id: TSecretStrValue = dlt.secrets.value,
    lwa_client_secret: TSecretStrValue = dlt.secrets.value,
    refresh_token: TSecretStrValue = dlt.secrets.value,
    marketplace_ids: Any = dlt.config.value,
    endpoint: str = settings.DEFAULT_ENDPOINT,
    lwa_token_url: str = settings.LWA_TOKEN_URL,
    start_date: str | None = None,
    restricted_data: bool = False,
    backoff_scale: float = 1.0,
) -> list[DltResource]:
    """Amazon marketplace data changed since each table's cursor (first run: since ``start_date``).

    ``endpoint`` and ``lwa_token_url`` can point at a local server (tests); ``backoff_scale``
    multiplies every wait, including report polling (tests use a tiny one).
    """
    backoff = Backoff(settings.MAX_ATTEMPTS, settings.BACKOFF_SECONDS, settings.MAX_BACKOFF_SECONDS,
                      scale=backoff_scale)
    session = requests.Session()
    auth = LwaAuth(lwa_client_id, lwa_client_secret, refresh_token, token_url=lwa_token_url, session=session,
                   backoff=backoff)
    client = SpApiClient(settings.ENDPOINTS.get(endpoint, endpoint), auth, marketplace_list(marketplace_ids),
                         backoff=backoff, session=session, restricted_data=restricted_data)
    contract = load_contracts()[SYSTEM]
    run = ApiRun(contract)
    start = start_timestamp(start_date) or start_timestamp(datetime.now(UTC) - DEFAULT_HISTORY)

    def orders(since: str) -> Iterator[Page]:
        for page in client.orders(since):
            items = [mapping.order_item_row(contract.table("order_items"), item, order["AmazonOrderId"])
                     for order in page for item in client.order_items(order["AmazonOrderId"])]
            yield {"orders": [mapping.order_row(contract.table("orders"), o) for o in page], "order_items": items}

    def report(table_name: str) -> Any:
        table = contract.table(table_name)

        def pages(since: str) -> Iterator[Page]:
            rows = client.report_rows(settings.REPORT_TYPES[table_name], start_timestamp(since))
            while chunk := list(islice(rows, settings.REPORT_ROWS_PER_PAGE)):
                yield {table_name: mapping.report_rows(table, chunk)}

        return pages

    return [
        *run.cursor_resources("orders", orders, initial_value=start, children=("order_items",)),
        *run.cursor_resources("fba_shipments", report("fba_shipments"), initial_value=start,
                              cursor_value_missing="include"),
        *run.cursor_resources("returns", report("returns"), initial_value=start),
        *run.cursor_resources("feedback", report("feedback"), initial_value=start[:10]),
        run.quarantine_resource(),
    ]
