"""Where the day split puts a record: before the day, in the day's drop, or left out.

The demo keeps a record's latest state only, so a record updated after the day has no earlier
version: it must still land where it was created (an order placed last week and updated tomorrow
is known before the day), while what happened after the day is not known at all (a shipment of
tomorrow, an order placed tomorrow). The day's full run must find every order its events name.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.daily_split import split_day

DAY = date(2026, 10, 30)

ORDERS = {  # id -> (placed, last updated)
    "last-week-updated-tomorrow": ("2026-10-23T10:00:00Z", "2026-10-31T09:00:00Z"),
    "today-updated-tomorrow": ("2026-10-30T14:51:56Z", "2026-10-31T01:00:00Z"),
    "today": ("2026-10-30T08:00:00Z", "2026-10-30T09:00:00Z"),
    "tomorrow": ("2026-10-31T08:00:00Z", "2026-10-31T09:00:00Z"),
    "last-week": ("2026-10-23T08:00:00Z", "2026-10-23T09:00:00Z"),
}
SHIPMENTS = {  # shipment item -> (order, shipped, reported)
    "shipped-today-reported-tomorrow": ("today-updated-tomorrow", "2026-10-30T20:45:36Z", "2026-10-31T01:37:49Z"),
    "shipped-last-week-reported-tomorrow": ("last-week-updated-tomorrow", "2026-10-24T10:00:00Z",
                                            "2026-10-31T02:00:00Z"),
    "today-reported-tomorrow": ("today", "2026-10-30T10:00:00Z", "2026-10-31T01:00:00Z"),
    "shipped-tomorrow": ("tomorrow", "2026-10-31T12:00:00Z", "2026-10-31T13:00:00Z"),
    "shipped-last-week": ("last-week", "2026-10-24T10:00:00Z", "2026-10-24T11:00:00Z"),
}


def _write(path: Path, columns: dict[str, list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), path)


def _landing(root: Path) -> Path:
    landing = root / "landing"
    _write(landing / "amazon" / "orders.parquet", {
        "AmazonOrderId": list(ORDERS), "PurchaseDate": [p for p, _ in ORDERS.values()],
        "LastUpdateDate": [u for _, u in ORDERS.values()]})
    _write(landing / "amazon" / "order_items.parquet", {
        "OrderItemId": [f"item-of-{o}" for o in ORDERS], "AmazonOrderId": list(ORDERS)})
    _write(landing / "amazon" / "fba_shipments.parquet", {
        "shipment-item-id": list(SHIPMENTS), "amazon-order-id": [o for o, _, _ in SHIPMENTS.values()],
        "shipment-date": [s for _, s, _ in SHIPMENTS.values()],
        "reporting-date": [r for _, _, r in SHIPMENTS.values()]})
    return landing


def _ids(path: Path, column: str) -> set[str]:
    return set(pq.read_table(path).column(column).to_pylist()) if path.exists() else set()


def test_a_record_updated_after_the_day_lands_when_it_was_created_and_later_events_stay_out(tmp_path: Path) -> None:
    split = split_day(_landing(tmp_path), tmp_path / "split", DAY)
    before, day = tmp_path / "split" / "before" / "amazon", tmp_path / "split" / "day" / "amazon"

    assert _ids(before / "orders.parquet", "AmazonOrderId") == {"last-week-updated-tomorrow", "last-week"}
    assert _ids(day / "orders" / "batch-2.parquet", "AmazonOrderId") == {"today-updated-tomorrow", "today"}
    # shipped today but reported tomorrow: with today's order, in the day's drop, never before the day
    assert _ids(before / "fba_shipments.parquet", "shipment-item-id") == {
        "shipped-last-week-reported-tomorrow", "shipped-last-week"}
    assert _ids(day / "fba_shipments" / "batch-2.parquet", "shipment-item-id") == {
        "shipped-today-reported-tomorrow", "today-reported-tomorrow"}
    # an order's lines go with the order's first version
    assert _ids(before / "order_items.parquet", "OrderItemId") == {
        "item-of-last-week-updated-tomorrow", "item-of-last-week"}
    assert _ids(day / "order_items" / "batch-2.parquet", "OrderItemId") == {
        "item-of-today-updated-tomorrow", "item-of-today"}
    assert split.tables["amazon.orders"].after == 1
    assert split.tables["amazon.fba_shipments"].after == 1


def test_every_shipment_before_the_day_finds_its_order_before_the_day(tmp_path: Path) -> None:
    split_day(_landing(tmp_path), tmp_path / "split", DAY)
    before = tmp_path / "split" / "before" / "amazon"
    orders = _ids(before / "orders.parquet", "AmazonOrderId")
    shipped = pq.read_table(before / "fba_shipments.parquet").column("amazon-order-id").to_pylist()
    assert shipped and set(shipped) <= orders
