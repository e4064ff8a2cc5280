"""The vendors' own field names for every contract column.

Files carry what each vendor really sends (``AmazonOrderId``, ``amazon-order-id``, ``Rater Email``,
``clientId``), nested objects flattened with ``__``. dlt's snake_case naming convention maps each
name to the contract's landed name; a test asserts it for every column.
"""

from __future__ import annotations

AMAZON_API_TABLES = {"orders", "order_items"}
AMAZON_REPORT_TABLES = {"fba_shipments", "returns"}
AMAZON_ACRONYMS = {"asin": "ASIN", "sku": "SKU"}
AMAZON_FEEDBACK = {"order_id": "Order ID", "date": "Date", "rating": "Rating", "comments": "Comments",
                   "your_response": "Your Response", "rater_email": "Rater Email"}
SHOPIFY_PIXEL = {
    "client_id": "clientId",
    "customer_id": "customerId",
    "context__navigator__user_agent": "context__navigator__userAgent",
    "data__product_variant__product__id": "data__productVariant__product__id",
    "data__product_variant__id": "data__productVariant__id",
    "data__product_variant__price__amount": "data__productVariant__price__amount",
    "data__cart_line__quantity": "data__cartLine__quantity",
}
KLAVIYO_EVENT_PROPERTIES = {
    "attributes__event_properties__campaign_name": "attributes__event_properties__Campaign Name",
    "attributes__event_properties__subject": "attributes__event_properties__Subject",
    "attributes__event_properties__url": "attributes__event_properties__URL",
}


def _camel(segment: str) -> str:
    """``seller_sku`` -> ``SellerSKU``, ``address_line1`` -> ``AddressLine1`` (SP-API style)."""
    return "".join(AMAZON_ACRONYMS.get(word, word[:1].upper() + word[1:]) for word in segment.split("_"))


def vendor_name(system: str, table: str, column: str) -> str:
    """The field name as the vendor spells it, for one contract column."""
    if system == "amazon":
        if table in AMAZON_API_TABLES:
            return "__".join(_camel(part) for part in column.split("__"))
        if table in AMAZON_REPORT_TABLES:
            return column.replace("_", "-")
        if table == "feedback":
            return AMAZON_FEEDBACK[column]
    if system == "shopify" and table == "pixel_events":
        return SHOPIFY_PIXEL.get(column, column)
    if system == "klaviyo" and table == "events":
        return KLAVIYO_EVENT_PROPERTIES.get(column, column)
    return column
