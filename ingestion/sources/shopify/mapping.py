"""Shopify GraphQL nodes -> rows with the landed column names of ``ingestion/contracts/shopify.yml``.

The contract describes what the demo generator and Shopify's admin exports land (REST-era names
and values), so the GraphQL shapes are translated here:

- ids: ``legacyResourceId`` (or the number at the end of the global id ``gid://shopify/Order/123``)
  as bigint; abandoned-checkout line item ids, which are not numeric, as the id's last segment;
- money: ``…Set { shopMoney { amount } }`` as the decimal string Shopify sends;
- enums: lower case, as REST spelled them (``PARTIALLY_REFUNDED`` -> ``partially_refunded``);
  ``displayFulfillmentStatus`` maps to REST's ``fulfilled``/``partial``/``restocked``, or null
  while nothing is fulfilled;
- tags: the list joined with ``", "``; timestamps: the ISO 8601 strings as sent.

Fields the GraphQL Admin API does not expose land as null: the order's ``client_details__user_agent``
and the abandoned checkout's ``landing_site``. An abandoned checkout's ``token`` is read from its
recovery URL, and its e-mail and phone are those of its customer. The order's ``checkout_token``
(``checkoutToken``, API 2026-07 and later) and shipping name (``shippingAddress`` ``firstName``,
``lastName``, ``name``) land as null until the query asks for them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

Node = Mapping[str, Any]
Row = dict[str, Any]

FULFILLMENT_STATUS = {"FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partial", "RESTOCKED": "restocked"}
"""``displayFulfillmentStatus`` -> REST ``fulfillment_status``; every other value means nothing
shipped yet, which REST (and the contract) leave null."""

_GID_TAIL = re.compile(r"/([^/?#]+)(?:\?.*)?$")
_CHECKOUT_TOKEN = re.compile(r"/checkouts/(?:[a-z]{1,2}/)?([A-Za-z0-9_-]+)/recover")


def dig(node: Node | None, *path: str) -> Any:
    """``node[path[0]][path[1]]…``, or ``None`` as soon as a step is missing."""
    value: Any = node
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def gid_tail(gid: Any) -> str | None:
    """The last segment of a global id (``gid://shopify/LineItem/123`` -> ``"123"``)."""
    if gid is None:
        return None
    match = _GID_TAIL.search(str(gid))
    return match.group(1) if match else str(gid)


def numeric_id(gid: Any) -> int | str | None:
    """A global id's number as an int; anything else is passed on for the contract check to judge."""
    tail = gid_tail(gid)
    if tail is None:
        return None
    return int(tail) if tail.isdigit() else tail


def legacy_id(node: Node | None) -> int | str | None:
    """The REST-style numeric id of an object: ``legacyResourceId``, else the number in its ``id``."""
    if not isinstance(node, Mapping):
        return None
    legacy = node.get("legacyResourceId")
    if legacy is not None:
        return int(legacy) if str(legacy).isdigit() else legacy
    return numeric_id(node.get("id"))


def shop_amount(node: Node | None, field: str) -> Any:
    """``node[field].shopMoney.amount``: an amount in the shop's currency, as the decimal string sent."""
    return dig(node, field, "shopMoney", "amount")


def lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def tags(values: Any) -> str | None:
    if values is None:
        return None
    if isinstance(values, str):
        return values
    return ", ".join(str(v) for v in values)


def nodes(connection: Any) -> list[Node]:
    """The nodes of a connection (``{nodes: [...]}``) or a plain list."""
    if isinstance(connection, Mapping):
        return list(connection.get("nodes") or [])
    return list(connection or [])


def address(node: Node | None, prefix: str) -> Row:
    return {
        f"{prefix}__company": dig(node, "company"),
        f"{prefix}__address1": dig(node, "address1"),
        f"{prefix}__city": dig(node, "city"),
        f"{prefix}__province_code": dig(node, "provinceCode"),
        f"{prefix}__zip": dig(node, "zip"),
        f"{prefix}__country_code": dig(node, "countryCodeV2"),
    }


def shipping_name(node: Node | None) -> Row:
    """The name an order ships to (``MailingAddress`` firstName, lastName, name)."""
    return {
        "shipping_address__first_name": dig(node, "firstName"),
        "shipping_address__last_name": dig(node, "lastName"),
        "shipping_address__name": dig(node, "name"),
    }


# -- customers -------------------------------------------------------------------------------


def customer_row(node: Node) -> Row:
    email = node.get("defaultEmailAddress")
    phone = node.get("defaultPhoneNumber")
    return {
        "id": legacy_id(node),
        "email": dig(email, "emailAddress"),
        "first_name": node.get("firstName"),
        "last_name": node.get("lastName"),
        "phone": dig(phone, "phoneNumber"),
        "state": lower(node.get("state")),
        "verified_email": node.get("verifiedEmail"),
        "tags": tags(node.get("tags")),
        "currency": dig(node, "lastOrder", "currencyCode"),
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
        "email_marketing_consent__state": lower(dig(email, "marketingState")),
        "email_marketing_consent__opt_in_level": lower(dig(email, "marketingOptInLevel")),
        "email_marketing_consent__consent_updated_at": dig(email, "marketingUpdatedAt"),
        "sms_marketing_consent__state": lower(dig(phone, "marketingState")),
        "sms_marketing_consent__consent_updated_at": dig(phone, "marketingUpdatedAt"),
        **address(node.get("defaultAddress"), "default_address"),
        # The address's phone: for SMS-only subscribers often the only phone the store has.
        "default_address__phone": dig(node, "defaultAddress", "phone"),
    }


def customers_page(customers: Sequence[Node]) -> dict[str, list[Row]]:
    return {"customers": [customer_row(c) for c in customers]}


# -- orders and refunds ----------------------------------------------------------------------


def _visit(order: Node) -> Node | None:
    """The session the order's landing data comes from: the last visit before it, else the first."""
    journey = order.get("customerJourneySummary") or {}
    return journey.get("lastVisit") or journey.get("firstVisit")


def _first_fulfilment(order: Node) -> str | None:
    times = [f.get("createdAt") for f in order.get("fulfillments") or [] if f and f.get("createdAt")]
    return min(times) if times else None


def order_row(node: Node) -> Row:
    visit = _visit(node)
    return {
        "id": legacy_id(node),
        "name": node.get("name"),
        "email": node.get("email"),
        "phone": node.get("phone"),
        "customer__id": legacy_id(node.get("customer")),
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
        "processed_at": node.get("processedAt"),
        "cancelled_at": node.get("cancelledAt"),
        "financial_status": lower(node.get("displayFinancialStatus")),
        "fulfillment_status": FULFILLMENT_STATUS.get(node.get("displayFulfillmentStatus") or ""),
        "currency": node.get("currencyCode"),
        "subtotal_price": shop_amount(node, "subtotalPriceSet"),
        "total_discounts": shop_amount(node, "totalDiscountsSet"),
        "total_tax": shop_amount(node, "totalTaxSet"),
        "total_shipping_price_set__shop_money__amount": shop_amount(node, "totalShippingPriceSet"),
        "total_price": shop_amount(node, "totalPriceSet"),
        "source_name": node.get("sourceName"),
        "landing_site": dig(visit, "landingPage"),
        "referring_site": dig(visit, "referrerUrl"),
        "client_details__user_agent": None,
        "checkout_token": node.get("checkoutToken"),
        **shipping_name(node.get("shippingAddress")),
        **address(node.get("shippingAddress"), "shipping_address"),
        # The recipient's phone (a gift's is not the buyer's); who paid, and the buyer's billing phone.
        "shipping_address__phone": dig(node, "shippingAddress", "phone"),
        "billing_address__name": dig(node, "billingAddress", "name"),
        "billing_address__address1": dig(node, "billingAddress", "address1"),
        "billing_address__zip": dig(node, "billingAddress", "zip"),
        "billing_address__country_code": dig(node, "billingAddress", "countryCodeV2"),
        "billing_address__phone": dig(node, "billingAddress", "phone"),
        "fulfilled_at": _first_fulfilment(node),
    }


def line_item_row(node: Node, order_id: Any) -> Row:
    return {
        "id": numeric_id(node.get("id")),
        "order_id": order_id,
        "product_id": legacy_id(node.get("product")),
        "variant_id": legacy_id(node.get("variant")),
        "sku": node.get("sku"),
        "title": node.get("title"),
        "quantity": node.get("quantity"),
        "price": shop_amount(node, "originalUnitPriceSet"),
        "total_discount": shop_amount(node, "totalDiscountSet"),
    }


def refund_row(node: Node, order_id: Any) -> Row:
    transactions = nodes(node.get("transactions"))
    return {
        "id": legacy_id(node),
        "order_id": order_id,
        "created_at": node.get("createdAt"),
        "processed_at": transactions[0].get("processedAt") if transactions else None,
        "note": node.get("note"),
    }


def refund_line_item_row(node: Node, refund_id: Any) -> Row:
    return {
        "id": numeric_id(node.get("id")),
        "refund_id": refund_id,
        "line_item_id": numeric_id(dig(node, "lineItem", "id")),
        "quantity": node.get("quantity"),
        "subtotal": shop_amount(node, "subtotalSet"),
        "restock_type": lower(node.get("restockType")),
    }


def orders_page(orders: Sequence[Node], refunds: Sequence[Node]) -> dict[str, list[Row]]:
    """One page of orders -> orders, their line items, their refunds and refunded line items."""
    order_of_refund = {r.get("id"): legacy_id(order) for order in orders for r in order.get("refunds") or [] if r}
    page: dict[str, list[Row]] = {"orders": [], "orders__line_items": [], "refunds": [],
                                  "refunds__refund_line_items": []}
    for order in orders:
        page["orders"].append(order_row(order))
        order_id = legacy_id(order)
        page["orders__line_items"].extend(line_item_row(li, order_id) for li in nodes(order.get("lineItems")))
    for refund in refunds:
        refund_id = legacy_id(refund)
        page["refunds"].append(refund_row(refund, order_of_refund.get(refund.get("id"))))
        page["refunds__refund_line_items"].extend(
            refund_line_item_row(rli, refund_id) for rli in nodes(refund.get("refundLineItems")))
    return page


# -- abandoned checkouts ---------------------------------------------------------------------


def checkout_token(url: Any) -> str | None:
    """The checkout token inside a recovery URL (``…/checkouts/<token>/recover?key=…``)."""
    if not isinstance(url, str):
        return None
    match = _CHECKOUT_TOKEN.search(url)
    return match.group(1) if match else None


def checkout_row(node: Node) -> Row:
    customer = node.get("customer")
    return {
        "id": legacy_id(node),
        "token": checkout_token(node.get("abandonedCheckoutUrl")),
        "email": dig(customer, "defaultEmailAddress", "emailAddress"),
        "phone": dig(customer, "defaultPhoneNumber", "phoneNumber"),
        "customer__id": legacy_id(customer),
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
        "completed_at": node.get("completedAt"),
        "currency": dig(node, "totalPriceSet", "shopMoney", "currencyCode"),
        "subtotal_price": shop_amount(node, "subtotalPriceSet"),
        "total_price": shop_amount(node, "totalPriceSet"),
        "landing_site": None,
        "abandoned_checkout_url": node.get("abandonedCheckoutUrl"),
    }


def checkout_line_item_row(node: Node, checkout_id: Any) -> Row:
    return {
        "id": gid_tail(node.get("id")),
        "checkout_id": checkout_id,
        "product_id": legacy_id(node.get("product")),
        "variant_id": legacy_id(node.get("variant")),
        "title": node.get("title"),
        "quantity": node.get("quantity"),
        "price": shop_amount(node, "originalUnitPriceSet"),
    }


def checkouts_page(checkouts: Sequence[Node]) -> dict[str, list[Row]]:
    page: dict[str, list[Row]] = {"abandoned_checkouts": [], "abandoned_checkouts__line_items": []}
    for checkout in checkouts:
        page["abandoned_checkouts"].append(checkout_row(checkout))
        checkout_id = legacy_id(checkout)
        page["abandoned_checkouts__line_items"].extend(
            checkout_line_item_row(li, checkout_id) for li in nodes(checkout.get("lineItems")))
    return page


# -- products --------------------------------------------------------------------------------


def product_row(node: Node) -> Row:
    return {
        "id": legacy_id(node),
        "title": node.get("title"),
        "handle": node.get("handle"),
        "product_type": node.get("productType"),
        "vendor": node.get("vendor"),
        "status": lower(node.get("status")),
        "tags": tags(node.get("tags")),
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
    }


def variant_row(node: Node, product_id: Any) -> Row:
    return {
        "id": legacy_id(node),
        "product_id": product_id,
        "sku": node.get("sku"),
        "title": node.get("title"),
        "price": node.get("price"),
        "inventory_item__cost": dig(node, "inventoryItem", "unitCost", "amount"),
    }


def products_page(products: Sequence[Node]) -> dict[str, list[Row]]:
    page: dict[str, list[Row]] = {"products": [], "products__variants": []}
    for product in products:
        page["products"].append(product_row(product))
        product_id = legacy_id(product)
        page["products__variants"].extend(variant_row(v, product_id) for v in nodes(product.get("variants")))
    return page
