"""The five export files written into a landing folder, and the truth kept beside it."""

from __future__ import annotations

import csv
import os
import random
from collections.abc import Iterable
from pathlib import Path

from benchmarks.export_people.amazon_export import AMAZON_HEADINGS, amazon_rows
from benchmarks.export_people.klaviyo_export import PROFILE_HEADINGS, profile_row
from benchmarks.export_people.shopify_export import CUSTOMER_HEADINGS, ORDER_HEADINGS, customer_row, order_rows
from benchmarks.export_people.timeline import EXPORTED_AT
from benchmarks.export_people.world import World
from benchmarks.export_people.zendesk_export import TICKET_HEADINGS, ticket_row

FILES = {
    "customers": "customers_export.csv",
    "orders": "orders_export_1.csv",
    "profiles": "klaviyo_profiles.csv",
    "tickets": "zendesk_tickets.csv",
    "amazon": "All Orders Report 2026-06-30.txt",
}


def write_table(
    path: Path, headings: tuple[str, ...], rows: Iterable[dict[str, str]], delimiter: str = ",", encoding: str = "utf-8"
) -> int:
    with path.open("w", newline="", encoding=encoding) as handle:
        quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
        writer = csv.DictWriter(
            handle,
            headings,
            restval="",
            delimiter=delimiter,
            lineterminator="\n",
            quoting=quoting,
            escapechar=None if delimiter == "," else "\\",
        )
        writer.writeheader()
        count = 0
        for row in rows:
            writer.writerow(row)
            count += 1
    stamp = EXPORTED_AT.timestamp()
    os.utime(path, (stamp, stamp))
    return count


def write_exports(w: World, landing: Path) -> dict[str, int]:
    """The five export files in ``landing``; lines written per file."""
    landing.mkdir(parents=True, exist_ok=True)
    rng = random.Random(w.rng.random())
    orders = sorted(w.orders, key=lambda o: o.number)
    return {
        FILES["orders"]: write_table(
            landing / FILES["orders"], ORDER_HEADINGS, (row for order in orders for row in order_rows(order))
        ),
        FILES["customers"]: write_table(
            landing / FILES["customers"], CUSTOMER_HEADINGS, map(customer_row, w.accounts.values())
        ),
        FILES["profiles"]: write_table(
            landing / FILES["profiles"],
            PROFILE_HEADINGS,
            (profile_row(rng, p) for p in w.profiles),
            encoding="utf-8-sig",
        ),
        FILES["tickets"]: write_table(
            landing / FILES["tickets"],
            TICKET_HEADINGS,
            (ticket_row(rng, t) for t in sorted(w.tickets, key=lambda t: t.id)),
        ),
        FILES["amazon"]: write_table(
            landing / FILES["amazon"],
            AMAZON_HEADINGS,
            (row for order in w.amazon_orders for row in amazon_rows(order)),
            delimiter="\t",
        ),
    }


def write_truth(w: World, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("source_system", "source_entity", "source_key", "person", "phenomena", "email", "label"))
        for r in w.records:
            writer.writerow((*r.ref, r.pid, " ".join(sorted(r.tags)), r.email or "", r.label))
