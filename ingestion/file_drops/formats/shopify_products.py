"""Shopify products export (Admin > Products > Export, CSV) -> ``shopify/products`` + ``shopify/products__variants``.

Headings of the current export: ``Handle, Title, Body (HTML), Vendor, Product Category, Type, Tags,
Published, Option1 Name, Option1 Value, Option1 Linked To, Option2 Name, Option2 Value, Option2
Linked To, Option3 Name, Option3 Value, Option3 Linked To, Variant SKU, Variant Grams, Variant
Inventory Tracker, Variant Inventory Policy, Variant Fulfillment Service, Variant Price, Variant
Compare At Price, Variant Requires Shipping, Variant Taxable, Unit Price Total Measure, ..., Variant
Barcode, Image Src, Image Position, Image Alt Text, Gift Card, SEO Title, SEO Description, Google
Shopping / ..., Variant Image, Variant Weight Unit, Variant Tax Code, Cost per item, ..., Status``
(older exports: ``Custom Product Type`` or ``Type``, ``Variant Inventory Qty``, no ``Status``).

The export has one line per variant and one per extra image, all repeating the product's
``Handle``; the product's own fields (``Title, Body (HTML), Vendor, Type, Tags, Published,
Status``) are filled on its first line only, variant fields on variant lines, image fields on
image lines. So:

- ``products``: one row per ``Handle``, from its first line that has a ``Title``. ``product_type``
  is ``Type`` (the merchant's own type; the taxonomy ``Product Category`` has no contract column),
  ``status`` is ``Status`` lower-cased (``active``, ``draft``, ``archived``, as the API lands it),
  or, in older exports without it, ``active``/``draft`` from ``Published``.
- ``products__variants``: one row per line that carries a variant (an option value, a SKU or a
  price); image-only lines are skipped. ``title`` is the option values joined by `` / `` (as
  Shopify titles variants: ``M / Charcoal``; ``Default Title`` for a product without options),
  ``price`` is ``Variant Price``, ``inventory_item__cost`` is ``Cost per item``.

The export carries no product or variant ids, so both are **synthetic** and negative (never a real
Shopify id): ``products.id = -(first 60 bits of md5(Handle))``, a variant's ``id`` the same over
the handle and its option values; stable across exports as long as the handle and options stay.
Products loaded both from the API and from an export therefore appear twice: load the catalogue
through one path. Orders exports carry no product ids either (their line items land with null
``product_id``): match them to the catalogue by SKU.

The export has no dates: ``created_at`` and ``updated_at`` (both required) are the export's moment
(the file's modification time, UTC), as for the customers export; a later export wins.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ingestion.file_drops.formats.base import (
    Export,
    ExportFormat,
    blank_null,
    literal,
    select,
    trimmed,
    utc_text,
)

HANDLE = ("Handle",)
TITLE = ("Title",)
VENDOR = ("Vendor",)
TYPE = ("Type", "Custom Product Type")
TAGS = ("Tags",)
PUBLISHED = ("Published",)
STATUS = ("Status",)
OPTION_VALUES = (("Option1 Value",), ("Option2 Value",), ("Option3 Value",))
SKU = ("Variant SKU",)
PRICE = ("Variant Price",)
COST = ("Cost per item",)


def synthetic_id(*parts: str) -> str:
    """A negative BIGINT from the first 60 bits of the md5 of ``parts`` joined by a unit separator."""
    joined = " || chr(31) || ".join(f"coalesce({p}, '')" for p in parts)
    return f"-CAST(('0x' || substr(md5({joined}), 1, 15)) AS BIGINT)"


def _status(export: Export) -> str:
    status = f"lower({trimmed(export.column(STATUS))})"
    published = f"lower({trimmed(export.column(PUBLISHED))})"
    return (f"coalesce({status}, CASE {published} WHEN 'true' THEN 'active' WHEN 'false' THEN 'draft' END)")


def convert(con: duckdb.DuckDBPyConnection, export: Export) -> dict[str, pa.Table]:
    """Products from each handle's first titled line; every variant line as a variant."""
    c = export.column
    exported_at = literal(utc_text(export.exported_at))
    options = [trimmed(c(o)) for o in OPTION_VALUES]
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW shopify_product_lines AS
        SELECT *,
            {trimmed(c(HANDLE))} AS __handle,
            {options[0]} AS __option1, {options[1]} AS __option2, {options[2]} AS __option3
        FROM src
    """)
    products = select(con, f"""
        SELECT
            {synthetic_id("__handle")} AS id,
            {blank_null(c(TITLE))} AS title,
            __handle AS handle,
            {blank_null(c(TYPE))} AS product_type,
            {blank_null(c(VENDOR))} AS vendor,
            {_status(export)} AS status,
            {blank_null(c(TAGS))} AS tags,
            {exported_at} AS created_at,
            {exported_at} AS updated_at
        FROM shopify_product_lines
        WHERE __handle IS NOT NULL
        QUALIFY row_number() OVER (
            PARTITION BY __handle ORDER BY ({trimmed(c(TITLE))} IS NULL), __row) = 1
        ORDER BY __row
    """)
    variants = select(con, f"""
        SELECT
            {synthetic_id("__handle", "__option1", "__option2", "__option3")} AS id,
            {synthetic_id("__handle")} AS product_id,
            {trimmed(c(SKU))} AS sku,
            NULLIF(concat_ws(' / ', __option1, __option2, __option3), '') AS title,
            {trimmed(c(PRICE))} AS price,
            {trimmed(c(COST))} AS inventory_item__cost
        FROM shopify_product_lines
        WHERE __handle IS NOT NULL
          AND coalesce(__option1, __option2, __option3, {trimmed(c(SKU))}, {trimmed(c(PRICE))}) IS NOT NULL
        ORDER BY __row
    """)
    con.execute("DROP VIEW shopify_product_lines")
    return {"products": products, "products__variants": variants}


FORMAT = ExportFormat(
    name="shopify_products",
    system="shopify",
    title="Shopify products export (CSV)",
    where="Shopify admin > Products > Export > All products, CSV for Excel, Numbers or other spreadsheet programs",
    layout="csv",
    name_patterns=("products_export*.csv",),
    required=(HANDLE, TITLE, ("Option1 Value",), SKU, PRICE),
    optional=(VENDOR, TYPE, TAGS, PUBLISHED, STATUS, ("Option2 Value",), ("Option3 Value",), COST),
    tables=("products", "products__variants"),
    convert=convert,
)
