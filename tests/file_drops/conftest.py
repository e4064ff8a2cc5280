"""Helpers for the file-drop tests: the fixture exports and a drop folder built from them."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
EXPORTED_AT = datetime(2024, 5, 20, 12, 0, tzinfo=UTC)
"""Modification time given to every copied fixture, so conversions are reproducible."""

GOOD = {
    "customers_export.csv": "shopify_customers",
    "orders_export_1.csv": "shopify_orders",
    "products_export_1.csv": "shopify_products",
    "48392017443.txt": "amazon_all_orders",
    "57281930455.txt": "amazon_fulfilled_shipments",
    "48392017461.txt": "amazon_customer_returns",
    "newsletter_profiles_export.csv": "klaviyo_profiles",
    "tickets_export_2024-05-20.csv": "zendesk_tickets_csv",
    "tickets_export.json": "zendesk_tickets_json",
    "zendesk/tickets_with_users.json": "zendesk_tickets_json",
}
"""Every well-formed fixture (path under fixtures/) and the format it is in."""

BAD = ("orders_export_2.csv", "customers_export_2.csv", "All Orders Report.txt", "tickets_ragged.csv",
       "tickets_truncated.json", "products_export_2.csv", "Amazon Fulfilled Shipments May.txt",
       "fba_customer_returns_may.txt")
"""Malformed fixtures under fixtures/bad/."""

ZIP_BYTES = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256)) * 4
"""The start of a zip archive (an .xlsx workbook is one): binary content."""


def place(source: Path, target: Path) -> Path:
    """Copy a fixture to ``target`` with the fixed modification time."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    stamp = EXPORTED_AT.timestamp()
    os.utime(target, (stamp, stamp))
    return target


def fixture_copy(name: str, folder: Path, as_name: str | None = None) -> Path:
    """Copy ``fixtures/<name>`` into ``folder`` (keeping a vendor subfolder), optionally renamed."""
    return place(FIXTURES / name, folder / (as_name or name))
