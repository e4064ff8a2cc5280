"""The supported vendor export formats, one module each; :data:`FORMATS` is the registry.

To add a format: write a module with an :class:`ExportFormat` (name patterns, required headings,
converter to contract tables) and list it here. Detection and loading pick it up.
"""

from __future__ import annotations

from ingestion.file_drops.formats import (
    amazon_all_orders,
    amazon_customer_returns,
    amazon_fulfilled_shipments,
    klaviyo_profiles,
    shopify_customers,
    shopify_orders,
    shopify_products,
    zendesk_tickets,
)
from ingestion.file_drops.formats.base import Export, ExportFormat, Heading, Layout

FORMATS: tuple[ExportFormat, ...] = (
    shopify_customers.FORMAT,
    shopify_orders.FORMAT,
    shopify_products.FORMAT,
    amazon_all_orders.FORMAT,
    amazon_fulfilled_shipments.FORMAT,
    amazon_fulfilled_shipments.CSV_FORMAT,
    amazon_customer_returns.FORMAT,
    amazon_customer_returns.CSV_FORMAT,
    klaviyo_profiles.FORMAT,
    zendesk_tickets.CSV_FORMAT,
    zendesk_tickets.JSON_FORMAT,
)
"""Every supported export, in the order detection tries them."""


def get_format(name: str) -> ExportFormat:
    """The format called ``name`` (``shopify_orders``)."""
    for export_format in FORMATS:
        if export_format.name == name:
            return export_format
    raise KeyError(f"no export format {name!r}; known: {', '.join(f.name for f in FORMATS)}")


__all__ = ["FORMATS", "Export", "ExportFormat", "Heading", "Layout", "get_format"]
