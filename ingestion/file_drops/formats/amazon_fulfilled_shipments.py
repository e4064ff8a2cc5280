"""Amazon Fulfilled Shipments report (tab-separated, or CSV) -> ``amazon/fba_shipments``.

Seller Central > Reports > Fulfillment > Sales > Amazon Fulfilled Shipments > Download (the
SP-API's ``GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL``, which the API connector lands into the
same table). One line per shipped item; headings ``amazon-order-id, merchant-order-id,
shipment-id, shipment-item-id, amazon-order-item-id, merchant-order-item-id, purchase-date,
payments-date, shipment-date, reporting-date, buyer-email, buyer-name, buyer-phone-number, sku,
product-name, quantity-shipped, currency, item-price, item-tax, shipping-price, shipping-tax,
gift-wrap-price, gift-wrap-tax, ship-service-level, recipient-name, ship-address-1,
ship-address-2, ship-address-3, ship-city, ship-state, ship-postal-code, ship-country,
ship-phone-number, bill-address-1, bill-address-2, bill-address-3, bill-city, bill-state,
bill-postal-code, bill-country, item-promotion-discount, ship-promotion-discount, carrier,
tracking-number, estimated-arrival-date, fulfillment-center-id, fulfillment-channel,
sales-channel``. Seller Central names the download after the report id, so it is recognised by
its headings (a name containing "fulfilled shipments" claims it too).

Every heading maps to its snake_case name (``ship-address-1`` -> ``ship_address_1``), as the API
connector lands the report; values land as Amazon wrote them (money as decimal text) except:

- dates (``purchase-date``, ``payments-date``, ``shipment-date``, ``reporting-date``,
  ``estimated-arrival-date``) in any spelling Seller Central uses are re-spelt ISO 8601, the same
  instant (:mod:`ingestion.file_drops.formats.dates`);
- promotion discounts, which the report writes as negative amounts, land as positive amounts.

Only the columns the contract lists land (:data:`NOT_YET_IN_CONTRACT` lists what waits for it):
today ``buyer-name``, ``buyer-phone-number``, ``recipient-name``, the street lines, the ship-to
phone, the billing address, tax, shipping, gift wrap and promotion amounts, ``product-name``,
``ship-service-level``, ``fulfillment-channel``, ``payments-date`` and ``merchant-order-item-id``
are read but not landed. Add them to ``ingestion/contracts/amazon.yml`` and they land with no
change here.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ingestion.file_drops.formats.base import (
    Export,
    ExportFormat,
    blank_null,
    contract_only,
    not_in_contract,
    select,
    trimmed,
)
from ingestion.file_drops.formats.dates import with_iso_dates

HEADINGS = (
    "amazon-order-id", "merchant-order-id", "shipment-id", "shipment-item-id", "amazon-order-item-id",
    "merchant-order-item-id", "purchase-date", "payments-date", "shipment-date", "reporting-date", "buyer-email",
    "buyer-name", "buyer-phone-number", "sku", "product-name", "quantity-shipped", "currency", "item-price",
    "item-tax", "shipping-price", "shipping-tax", "gift-wrap-price", "gift-wrap-tax", "ship-service-level",
    "recipient-name", "ship-address-1", "ship-address-2", "ship-address-3", "ship-city", "ship-state",
    "ship-postal-code", "ship-country", "ship-phone-number", "bill-address-1", "bill-address-2", "bill-address-3",
    "bill-city", "bill-state", "bill-postal-code", "bill-country", "item-promotion-discount",
    "ship-promotion-discount", "carrier", "tracking-number", "estimated-arrival-date", "fulfillment-center-id",
    "fulfillment-channel", "sales-channel",
)
"""Every heading of the report, in its order."""
REQUIRED = ("amazon-order-id", "shipment-id", "shipment-item-id", "shipment-date", "sku", "quantity-shipped")
DATES = ("purchase_date", "payments_date", "shipment_date", "reporting_date", "estimated_arrival_date")
DISCOUNTS = ("item-promotion-discount", "ship-promotion-discount")
TEXT = ("buyer-name", "product-name", "recipient-name", "ship-address-1", "ship-address-2", "ship-address-3",
        "ship-city", "ship-state", "bill-address-1", "bill-address-2", "bill-address-3", "bill-city", "bill-state")
"""Free text: kept as written (inner spacing included), blank as null; everything else is trimmed."""
TABLE = "fba_shipments"


def landed(heading: str) -> str:
    return heading.replace("-", "_")


NOT_YET_IN_CONTRACT = tuple(not_in_contract([landed(h) for h in HEADINGS], "amazon", TABLE))
"""Report columns read but not landed, because ``amazon.yml`` does not list them yet."""


def _value(export: Export, heading: str) -> str:
    column = export.column((heading,))
    if heading in DISCOUNTS:
        return f"regexp_replace({trimmed(column)}, '^-', '')"
    return blank_null(column) if heading in TEXT else trimmed(column)


def convert(con: duckdb.DuckDBPyConnection, export: Export) -> dict[str, pa.Table]:
    """One row per line (shipment item), in file order."""
    columns = ",\n            ".join(f"{_value(export, h)} AS {landed(h)}" for h in HEADINGS)
    shipments = select(con, f"SELECT\n            {columns}\n        FROM src ORDER BY __row")
    return {TABLE: contract_only(with_iso_dates(shipments, DATES), "amazon", TABLE)}


FORMAT = ExportFormat(
    name="amazon_fulfilled_shipments",
    system="amazon",
    title="Amazon Fulfilled Shipments report (tab-separated flat file)",
    where="Seller Central > Reports > Fulfillment > Sales: Amazon Fulfilled Shipments > Download",
    layout="tsv",
    name_patterns=("*fulfilled*shipment*",),
    required=tuple((h,) for h in REQUIRED),
    optional=tuple((h,) for h in HEADINGS if h not in REQUIRED),
    tables=(TABLE,),
    convert=convert,
)
CSV_FORMAT = ExportFormat(
    name="amazon_fulfilled_shipments_csv",
    system="amazon",
    title="Amazon Fulfilled Shipments report (CSV)",
    where=FORMAT.where + " (.csv)",
    layout="csv",
    name_patterns=FORMAT.name_patterns,
    required=FORMAT.required,
    optional=FORMAT.optional,
    tables=FORMAT.tables,
    convert=convert,
)
