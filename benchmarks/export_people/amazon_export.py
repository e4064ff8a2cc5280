"""Amazon's All Orders Report: its columns and an order's rows."""

from __future__ import annotations

from datetime import UTC, timedelta
from decimal import Decimal

from benchmarks.export_people.records import AmazonOrder

AMAZON_HEADINGS = (
    "amazon-order-id",
    "merchant-order-id",
    "purchase-date",
    "last-updated-date",
    "order-status",
    "fulfillment-channel",
    "sales-channel",
    "order-channel",
    "ship-service-level",
    "product-name",
    "sku",
    "asin",
    "item-status",
    "quantity",
    "currency",
    "item-price",
    "item-tax",
    "shipping-price",
    "shipping-tax",
    "gift-wrap-price",
    "gift-wrap-tax",
    "item-promotion-discount",
    "ship-promotion-discount",
    "ship-city",
    "ship-state",
    "ship-postal-code",
    "ship-country",
    "promotion-ids",
    "is-business-order",
    "purchase-order-number",
    "price-designation",
)


def amazon_rows(order: AmazonOrder) -> list[dict[str, str]]:
    purchased = order.created.astimezone(UTC).isoformat()
    updated = (order.created + timedelta(days=2)).astimezone(UTC).isoformat()
    address = order.address
    return [
        {
            "amazon-order-id": order.id,
            "purchase-date": purchased,
            "last-updated-date": updated,
            "order-status": "Shipped",
            "fulfillment-channel": "Amazon",
            "sales-channel": "Amazon.com",
            "ship-service-level": "Standard",
            "product-name": product.name,
            "sku": product.sku,
            "asin": product.asin,
            "item-status": "Shipped",
            "quantity": str(quantity),
            "currency": "USD",
            "item-price": f"{product.price * quantity:.2f}",
            "item-tax": f"{(product.price * quantity * address.city.tax).quantize(Decimal('0.01')):.2f}",
            "shipping-price": "0.00",
            "shipping-tax": "0.00",
            "ship-promotion-discount": "0.00",
            "ship-city": address.city.name.upper(),
            "ship-state": address.city.state,
            "ship-postal-code": address.zip,
            "ship-country": "US",
            "is-business-order": "false",
        }
        for product, quantity in order.lines
    ]
