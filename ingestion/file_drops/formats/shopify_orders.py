"""Shopify orders export (Admin > Orders > Export, CSV) -> ``shopify/orders`` + ``shopify/orders__line_items``.

The export has one line per line item. Every line repeats the order's ``Name`` (``#1001``); the
order's own columns (``Email, Financial Status, Paid at, Fulfillment Status, Fulfilled at,
Currency, Subtotal, Shipping, Taxes, Total, Discount Amount, Created at, Shipping ...,
Cancelled at, Id, Source, Phone ...``) are filled on the order's first line only. So:

- ``orders``: one row per ``Name``, from its first line; ``id`` is the first non-empty ``Id`` of
  the order's lines.
- ``orders__line_items``: one row per line. The export carries no line item id, so ``id`` is
  **synthetic**: ``-(order id x 10000 + position)``, position = 1, 2, ... in file order within the
  order. Negative, so it can never collide with a real Shopify id; stable as long as Shopify lists
  an order's lines in the same order (it does: line item order). An order loaded both from the API
  and from an export therefore has its lines twice under different ids: load an order through one
  path. ``title`` is ``Lineitem name`` (product and variant title).

Mapped to the API's fields: ``Subtotal -> subtotal_price``, ``Taxes -> total_tax``, ``Total ->
total_price``, ``Discount Amount -> total_discounts``, ``Shipping ->
total_shipping_price_set__shop_money__amount``, ``Source -> source_name``, ``Shipping Province``
and ``Shipping Country`` (codes in the export) ``-> shipping_address__province_code`` /
``__country_code``, ``Shipping Name -> shipping_address__name`` (the export has no separate first
and last name), ``Shipping Phone -> shipping_address__phone`` and ``Billing Phone ->
billing_address__phone`` (identity signals: the phone typed at checkout; Shopify's leading
apostrophe removed, as for ``Phone``), ``Billing Name``, ``Billing Address1`` (older exports:
``Billing Street``), ``Billing Zip`` and ``Billing Country`` -> ``billing_address__name``,
``__address1``, ``__zip``, ``__country_code`` (who paid: the export has no customer id, so an
order shipping to someone else is recognised as a gift by its billing name and address).
Timestamps (``2024-05-01 10:00:00 -0400``) are re-spelt as ISO 8601. ``updated_at`` (required, not
exported) is the latest of ``Created at, Paid at, Fulfilled at, Cancelled at``. Not exported, so
null: ``customer__id``, ``processed_at``, ``landing_site``, ``referring_site``, user agent,
``checkout_token``, the shipping first and last name, product and variant ids.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ingestion.file_drops.formats.base import (
    Export,
    ExportFormat,
    blank_null,
    iso_timestamp,
    latest_timestamp,
    select,
    trimmed,
    unguarded,
)

NAME = ("Name",)
EMAIL = ("Email",)
FINANCIAL_STATUS = ("Financial Status",)
PAID_AT = ("Paid at",)
FULFILLMENT_STATUS = ("Fulfillment Status",)
FULFILLED_AT = ("Fulfilled at",)
CURRENCY = ("Currency",)
SUBTOTAL = ("Subtotal",)
SHIPPING = ("Shipping",)
TAXES = ("Taxes",)
TOTAL = ("Total",)
DISCOUNT_AMOUNT = ("Discount Amount",)
CREATED_AT = ("Created at",)
QUANTITY = ("Lineitem quantity",)
ITEM_NAME = ("Lineitem name",)
PRICE = ("Lineitem price",)
SKU = ("Lineitem sku", "Lineitem SKU")
LINE_DISCOUNT = ("Lineitem discount",)
SHIPPING_NAME = ("Shipping Name",)
SHIPPING_COMPANY = ("Shipping Company",)
SHIPPING_ADDRESS1 = ("Shipping Address1", "Shipping Street")
SHIPPING_CITY = ("Shipping City",)
SHIPPING_ZIP = ("Shipping Zip",)
SHIPPING_PROVINCE = ("Shipping Province",)
SHIPPING_COUNTRY = ("Shipping Country",)
CANCELLED_AT = ("Cancelled at", "Canceled at")
ID = ("Id",)
SOURCE = ("Source",)
PHONE = ("Phone",)
SHIPPING_PHONE = ("Shipping Phone",)
BILLING_PHONE = ("Billing Phone",)
BILLING_NAME = ("Billing Name",)
BILLING_ADDRESS1 = ("Billing Address1", "Billing Street")
BILLING_ZIP = ("Billing Zip",)
BILLING_COUNTRY = ("Billing Country",)

POSITIONS_PER_ORDER = 10_000
"""Synthetic line item id = -(order id x this + position): room for 9,999 lines per order."""


def convert(con: duckdb.DuckDBPyConnection, export: Export) -> dict[str, pa.Table]:
    """Orders from each order's first line; every line as a line item with a synthetic id."""
    c = export.column
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW shopify_lines AS
        WITH keyed AS (
            SELECT *, {trimmed(c(NAME))} AS __order, {unguarded(c(ID))} AS __line_order_id FROM src
        ),
        orders AS (
            SELECT
                __order,
                min(__row) AS __first_row,
                arg_min(__line_order_id, __row) FILTER (WHERE __line_order_id IS NOT NULL) AS __order_id
            FROM keyed
            GROUP BY __order
        )
        SELECT
            keyed.*,
            orders.__order_id,
            keyed.__row = orders.__first_row AS __is_first,
            row_number() OVER (PARTITION BY keyed.__order ORDER BY keyed.__row) AS __position
        FROM keyed JOIN orders ON keyed.__order IS NOT DISTINCT FROM orders.__order
    """)
    orders = select(con, f"""
        SELECT
            __order_id AS id,
            __order AS name,
            {blank_null(c(EMAIL))} AS email,
            {unguarded(c(PHONE))} AS phone,
            {iso_timestamp(c(CREATED_AT))} AS created_at,
            {latest_timestamp(c(CREATED_AT), c(PAID_AT), c(FULFILLED_AT), c(CANCELLED_AT))} AS updated_at,
            {iso_timestamp(c(CANCELLED_AT))} AS cancelled_at,
            {trimmed(c(FINANCIAL_STATUS))} AS financial_status,
            {trimmed(c(FULFILLMENT_STATUS))} AS fulfillment_status,
            {trimmed(c(CURRENCY))} AS currency,
            {trimmed(c(SUBTOTAL))} AS subtotal_price,
            {trimmed(c(DISCOUNT_AMOUNT))} AS total_discounts,
            {trimmed(c(TAXES))} AS total_tax,
            {trimmed(c(SHIPPING))} AS total_shipping_price_set__shop_money__amount,
            {trimmed(c(TOTAL))} AS total_price,
            {trimmed(c(SOURCE))} AS source_name,
            {blank_null(c(SHIPPING_NAME))} AS shipping_address__name,
            {blank_null(c(SHIPPING_COMPANY))} AS shipping_address__company,
            {blank_null(c(SHIPPING_ADDRESS1))} AS shipping_address__address1,
            {blank_null(c(SHIPPING_CITY))} AS shipping_address__city,
            {trimmed(c(SHIPPING_PROVINCE))} AS shipping_address__province_code,
            {unguarded(c(SHIPPING_ZIP))} AS shipping_address__zip,
            {trimmed(c(SHIPPING_COUNTRY))} AS shipping_address__country_code,
            {unguarded(c(SHIPPING_PHONE))} AS shipping_address__phone,
            {blank_null(c(BILLING_NAME))} AS billing_address__name,
            {blank_null(c(BILLING_ADDRESS1))} AS billing_address__address1,
            {unguarded(c(BILLING_ZIP))} AS billing_address__zip,
            {trimmed(c(BILLING_COUNTRY))} AS billing_address__country_code,
            {unguarded(c(BILLING_PHONE))} AS billing_address__phone,
            {iso_timestamp(c(FULFILLED_AT))} AS fulfilled_at
        FROM shopify_lines
        WHERE __is_first
        ORDER BY __row
    """)
    line_items = select(con, f"""
        SELECT
            TRY_CAST(-(TRY_CAST(__order_id AS HUGEINT) * {POSITIONS_PER_ORDER} + __position) AS BIGINT) AS id,
            __order_id AS order_id,
            {trimmed(c(SKU))} AS sku,
            {blank_null(c(ITEM_NAME))} AS title,
            {trimmed(c(QUANTITY))} AS quantity,
            {trimmed(c(PRICE))} AS price,
            {trimmed(c(LINE_DISCOUNT))} AS total_discount
        FROM shopify_lines
        ORDER BY __row
    """)
    con.execute("DROP VIEW shopify_lines")
    return {"orders": orders, "orders__line_items": line_items}


FORMAT = ExportFormat(
    name="shopify_orders",
    system="shopify",
    title="Shopify orders export (CSV)",
    where="Shopify admin > Orders > Export > All orders, CSV for Excel, Numbers or other spreadsheet programs",
    layout="csv",
    name_patterns=("orders_export*.csv",),
    required=(NAME, EMAIL, FINANCIAL_STATUS, FULFILLMENT_STATUS, CURRENCY, SUBTOTAL, SHIPPING, TAXES, TOTAL,
              DISCOUNT_AMOUNT, CREATED_AT, QUANTITY, ITEM_NAME, PRICE, SKU, ID),
    optional=(PAID_AT, FULFILLED_AT, LINE_DISCOUNT, SHIPPING_NAME, SHIPPING_COMPANY, SHIPPING_ADDRESS1,
              SHIPPING_CITY, SHIPPING_ZIP, SHIPPING_PROVINCE, SHIPPING_COUNTRY, CANCELLED_AT, SOURCE, PHONE,
              SHIPPING_PHONE, BILLING_PHONE, BILLING_NAME, BILLING_ADDRESS1, BILLING_ZIP, BILLING_COUNTRY),
    tables=("orders", "orders__line_items"),
    convert=convert,
)
