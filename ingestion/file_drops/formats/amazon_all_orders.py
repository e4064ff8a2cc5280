"""Amazon All Orders Report (flat file, tab-separated) -> ``amazon/orders`` + ``amazon/order_items``.

Seller Central > Reports > Fulfillment > All Orders (the SP-API's
``GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL`` / ``..._BY_LAST_UPDATE_GENERAL``). One line
per order item; headings ``amazon-order-id, merchant-order-id, purchase-date, last-updated-date,
order-status, fulfillment-channel, sales-channel, order-channel, [url,] ship-service-level,
product-name, sku, asin, item-status, quantity, currency, item-price, item-tax, shipping-price,
shipping-tax, gift-wrap-price, gift-wrap-tax, item-promotion-discount, ship-promotion-discount,
ship-city, ship-state, ship-postal-code, ship-country, promotion-ids, [cpf,] is-business-order,
purchase-order-number, price-designation``. Seller Central names the download after the report id
(``12345678901.txt``), so the file is recognised by its headings as well as by name.

- ``orders``: one row per ``amazon-order-id``, from its first line; ``last_update_date`` is the
  latest ``last-updated-date`` of its lines. The report's words become the Orders API's:
  fulfilment ``Amazon``/``Merchant`` -> ``AFN``/``MFN``, status ``Cancelled`` -> ``Canceled`` and
  ``Shipped - Delivered to Buyer`` (and other ``Shipped - ...``) -> ``Shipped``; other values pass
  unchanged. ``marketplace_id`` (required) comes from ``sales-channel`` (``Amazon.com`` ->
  ``ATVPDKIKX0DER``, ...); a channel not in :data:`MARKETPLACES` (``Non-Amazon`` multi-channel
  orders) lands null and the row is quarantined. ``order_total__amount`` is derived: the sum over
  the order's lines of price, tax, shipping, shipping tax, gift wrap and its tax, less the
  promotion discounts (null while Amazon shows no prices, e.g. ``Pending``).
  ``number_of_items_shipped`` / ``_unshipped`` are the quantities of lines whose ``item-status``
  is ``Shipped`` / ``Unshipped`` or ``Pending``. The report has no buyer e-mail, name, phone or
  street: those land null (``buyer_info__buyer_email`` too), as do ``order_type`` and ``is_prime``.
- ``order_items``: one row per line. The report has no order item id, so ``order_item_id`` is
  **synthetic**: ``<amazon-order-id>:<sku>`` (the ASIN when the SKU is empty), with ``:2``, ``:3``
  ... appended to further lines of the same SKU in one order. It never equals the API's numeric
  OrderItemId: load an order's items through one path. Discounts, which reports may show as
  negative amounts, land as positive amounts as the API sends them. ``quantity_shipped`` is the
  quantity when ``item-status`` is ``Shipped``, 0 when ``Unshipped``, ``Pending`` or ``Cancelled``.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ingestion.file_drops.formats.base import (
    Export,
    ExportFormat,
    blank_null,
    iso_timestamp,
    literal,
    select,
    trimmed,
)

ORDER_ID = ("amazon-order-id",)
PURCHASE_DATE = ("purchase-date",)
LAST_UPDATED = ("last-updated-date",)
ORDER_STATUS = ("order-status",)
FULFILLMENT_CHANNEL = ("fulfillment-channel",)
SALES_CHANNEL = ("sales-channel",)
PRODUCT_NAME = ("product-name",)
SKU = ("sku",)
ASIN = ("asin",)
ITEM_STATUS = ("item-status",)
QUANTITY = ("quantity",)
CURRENCY = ("currency",)
ITEM_PRICE = ("item-price",)
ITEM_TAX = ("item-tax",)
SHIPPING_PRICE = ("shipping-price",)
SHIPPING_TAX = ("shipping-tax",)
GIFT_WRAP_PRICE = ("gift-wrap-price",)
GIFT_WRAP_TAX = ("gift-wrap-tax",)
ITEM_PROMOTION = ("item-promotion-discount",)
SHIP_PROMOTION = ("ship-promotion-discount",)
SHIP_CITY = ("ship-city",)
SHIP_STATE = ("ship-state",)
SHIP_POSTAL_CODE = ("ship-postal-code",)
SHIP_COUNTRY = ("ship-country",)
IS_BUSINESS_ORDER = ("is-business-order",)
MERCHANT_ORDER_ID = ("merchant-order-id",)

MARKETPLACES: dict[str, str] = {
    "amazon.com": "ATVPDKIKX0DER",
    "amazon.ca": "A2EUQ1WTGCTBG2",
    "amazon.com.mx": "A1AM78C64UM0Y8",
    "amazon.com.br": "A2Q3Y263D00KWC",
    "amazon.co.uk": "A1F83G8C2ARO7P",
    "amazon.de": "A1PA6795UKMFR9",
    "amazon.fr": "A13V1IB3VIYZZH",
    "amazon.it": "APJ6JRA9NG5V4",
    "amazon.es": "A1RKKUPIHCS9HS",
    "amazon.nl": "A1805IZSGTT6HS",
    "amazon.se": "A2NODRKZP88ZB9",
    "amazon.pl": "A1C3SOZRARQ6R3",
    "amazon.com.be": "AMEN7PMS3EDWL",
    "amazon.com.tr": "A33AVAJ2PDY3EV",
    "amazon.ae": "A2VIGQ35RCS4UG",
    "amazon.sa": "A17E79C6D8DWNP",
    "amazon.eg": "ARBP9OOSHTCHU",
    "amazon.in": "A21TJRUUN4KGV",
    "amazon.co.jp": "A1VC38T7YXB528",
    "amazon.com.au": "A39IBJ37TRP1C6",
    "amazon.sg": "A19VAU5U5O7RUS",
}
"""``sales-channel`` (lower case) -> Amazon marketplace id."""

MONEY_PARTS = (ITEM_PRICE, ITEM_TAX, SHIPPING_PRICE, SHIPPING_TAX, GIFT_WRAP_PRICE, GIFT_WRAP_TAX)
DISCOUNT_PARTS = (ITEM_PROMOTION, SHIP_PROMOTION)


def _amount(expression: str) -> str:
    return f"TRY_CAST({trimmed(expression)} AS DECIMAL(18, 2))"


def _positive(expression: str) -> str:
    """A discount as a positive amount (reports may write ``-5.00``)."""
    return f"regexp_replace({trimmed(expression)}, '^-', '')"


def _unparsable(expression: str) -> str:
    return f"({trimmed(expression)} IS NOT NULL AND {_amount(expression)} IS NULL)"


def _order_status(expression: str) -> str:
    value = trimmed(expression)
    return (f"CASE WHEN {value} = 'Cancelled' THEN 'Canceled' "
            f"WHEN {value} LIKE 'Shipped - %' THEN 'Shipped' ELSE {value} END")


def _fulfillment_channel(expression: str) -> str:
    value = trimmed(expression)
    return f"CASE lower({value}) WHEN 'amazon' THEN 'AFN' WHEN 'merchant' THEN 'MFN' ELSE {value} END"


def convert(con: duckdb.DuckDBPyConnection, export: Export) -> dict[str, pa.Table]:
    """Orders from each order's first line (plus derived totals); every line as an order item."""
    c = export.column
    marketplaces = ", ".join(f"({literal(k)}, {literal(v)})" for k, v in MARKETPLACES.items())
    line_total = " + ".join(f"coalesce({_amount(c(h))}, 0)" for h in MONEY_PARTS) + " - " + " - ".join(
        f"coalesce(abs({_amount(c(h))}), 0)" for h in DISCOUNT_PARTS)
    unparsable = " OR ".join(_unparsable(c(h)) for h in (*MONEY_PARTS, *DISCOUNT_PARTS))
    item_status = f"lower({trimmed(c(ITEM_STATUS))})"
    quantity = trimmed(c(QUANTITY))
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW amazon_lines AS
        WITH keyed AS (
            SELECT *,
                {trimmed(c(ORDER_ID))} AS __order,
                coalesce({trimmed(c(SKU))}, {trimmed(c(ASIN))}) AS __item,
                {line_total} AS __line_total,
                {trimmed(c(ITEM_PRICE))} IS NOT NULL AS __priced,
                {unparsable} AS __unparsable,
                CASE WHEN {item_status} = 'shipped' THEN {quantity}
                     WHEN {item_status} IN ('unshipped', 'pending', 'cancelled') THEN '0' END AS __quantity_shipped,
                CASE WHEN {item_status} IN ('unshipped', 'pending') THEN TRY_CAST({quantity} AS BIGINT)
                     WHEN {item_status} IS NOT NULL THEN 0 END AS __quantity_unshipped
            FROM src
        )
        SELECT *,
            row_number() OVER (PARTITION BY __order, __item ORDER BY __row) AS __repeat,
            min(__row) OVER (PARTITION BY __order) = __row AS __is_first,
            arg_max({trimmed(c(LAST_UPDATED))}, TRY_CAST({iso_timestamp(c(LAST_UPDATED))} AS TIMESTAMPTZ))
                OVER (PARTITION BY __order) AS __last_updated,
            CASE WHEN bool_or(__unparsable) OVER (PARTITION BY __order) THEN NULL
                 WHEN bool_or(__priced) OVER (PARTITION BY __order)
                 THEN CAST(sum(__line_total) OVER (PARTITION BY __order) AS VARCHAR) END AS __order_total,
            CAST(sum(TRY_CAST(__quantity_shipped AS BIGINT)) OVER (PARTITION BY __order) AS BIGINT) AS __items_shipped,
            CAST(sum(__quantity_unshipped) OVER (PARTITION BY __order) AS BIGINT) AS __items_unshipped
        FROM keyed
    """)
    orders = select(con, f"""
        WITH marketplaces(channel, marketplace_id) AS (VALUES {marketplaces})
        SELECT
            __order AS amazon_order_id,
            {iso_timestamp(c(PURCHASE_DATE))} AS purchase_date,
            {iso_timestamp(f"coalesce(__last_updated, {trimmed(c(LAST_UPDATED))})")} AS last_update_date,
            {_order_status(c(ORDER_STATUS))} AS order_status,
            {_fulfillment_channel(c(FULFILLMENT_CHANNEL))} AS fulfillment_channel,
            {trimmed(c(SALES_CHANNEL))} AS sales_channel,
            marketplaces.marketplace_id AS marketplace_id,
            {trimmed(c(CURRENCY))} AS order_total__currency_code,
            __order_total AS order_total__amount,
            __items_shipped AS number_of_items_shipped,
            __items_unshipped AS number_of_items_unshipped,
            {trimmed(c(IS_BUSINESS_ORDER))} AS is_business_order,
            {blank_null(c(SHIP_CITY))} AS shipping_address__city,
            {blank_null(c(SHIP_STATE))} AS shipping_address__state_or_region,
            {trimmed(c(SHIP_POSTAL_CODE))} AS shipping_address__postal_code,
            {trimmed(c(SHIP_COUNTRY))} AS shipping_address__country_code
        FROM amazon_lines
        LEFT JOIN marketplaces ON marketplaces.channel = lower({trimmed(c(SALES_CHANNEL))})
        WHERE __is_first
        ORDER BY __row
    """)
    items = select(con, f"""
        SELECT
            __order || ':' || __item || CASE WHEN __repeat > 1 THEN ':' || __repeat ELSE '' END AS order_item_id,
            __order AS amazon_order_id,
            {trimmed(c(ASIN))} AS asin,
            {trimmed(c(SKU))} AS seller_sku,
            {blank_null(c(PRODUCT_NAME))} AS title,
            {quantity} AS quantity_ordered,
            __quantity_shipped AS quantity_shipped,
            {trimmed(c(CURRENCY))} AS item_price__currency_code,
            {trimmed(c(ITEM_PRICE))} AS item_price__amount,
            {trimmed(c(ITEM_TAX))} AS item_tax__amount,
            {_positive(c(ITEM_PROMOTION))} AS promotion_discount__amount,
            {trimmed(c(SHIPPING_PRICE))} AS shipping_price__amount
        FROM amazon_lines
        ORDER BY __row
    """)
    con.execute("DROP VIEW amazon_lines")
    return {"orders": orders, "order_items": items}


FORMAT = ExportFormat(
    name="amazon_all_orders",
    system="amazon",
    title="Amazon All Orders Report (tab-separated flat file)",
    where="Seller Central > Reports > Fulfillment > All Orders > Download (or Reports > Order Reports)",
    layout="tsv",
    name_patterns=("*all*orders*", "*all_orders*", "*allorders*", "*flat_file_all_orders*"),
    required=(ORDER_ID, PURCHASE_DATE, LAST_UPDATED, ORDER_STATUS, FULFILLMENT_CHANNEL, SALES_CHANNEL, SKU, ASIN,
              QUANTITY, CURRENCY, ITEM_PRICE),
    optional=(MERCHANT_ORDER_ID, PRODUCT_NAME, ITEM_STATUS, ITEM_TAX, SHIPPING_PRICE, SHIPPING_TAX, GIFT_WRAP_PRICE,
              GIFT_WRAP_TAX, ITEM_PROMOTION, SHIP_PROMOTION, SHIP_CITY, SHIP_STATE, SHIP_POSTAL_CODE, SHIP_COUNTRY,
              IS_BUSINESS_ORDER),
    tables=("orders", "order_items"),
    convert=convert,
)
