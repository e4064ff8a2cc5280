"""Shopify store orders: who bought what when, at which price, from which campaign; refunds.

Orders are drawn per person from the seasonal calendar (first order at the person's first store
date, repeat orders after it). Money is integer cents until it is written as decimal strings;
totals, discounts, taxes and refunds all add up from the line items.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from demo.catalog import Catalog
from demo.chunks import WHOLE, Chunk
from demo.people import Persons
from demo.timeline import DAY, HOUR, Timeline, black_friday
from demo.traffic import campaign_slugs, landing_pages, order_sources
from demo.vector import HEX, NO_TIME, digits, expand, join, null_where, random_text, rising_ids

TAX_RATES = np.array([0.0, 0.04, 0.06, 0.0625, 0.07, 0.0725, 0.08, 0.0875, 0.095])
FULL_REFUND, PARTIAL_REFUND = 1, 2


@dataclass
class StoreOrders:
    """Every store order (sorted by creation time) and its line items (sorted by order)."""

    id: np.ndarray
    name: pa.Array
    person: np.ndarray
    account_key: np.ndarray  # which customer account placed it (resolved to ids later)
    ts: np.ndarray
    web: np.ndarray  # placed on the storefront (has a visit, landing page and user agent)
    device: np.ndarray  # device row of the person (for the user agent and pixel client id)
    source: np.ndarray
    landing: pa.Array
    referrer: pa.Array
    subtotal: np.ndarray
    discounts: np.ndarray
    tax: np.ndarray
    shipping: np.ndarray
    cancelled_ts: np.ndarray
    fulfilled_ts: np.ndarray
    refund_ts: np.ndarray
    refund_kind: np.ndarray  # 0 none, FULL_REFUND, PARTIAL_REFUND
    line_id: np.ndarray
    line_order: np.ndarray
    line_variant: np.ndarray
    line_qty: np.ndarray
    line_price: np.ndarray  # unit price, cents
    line_discount: np.ndarray  # discount on the whole line, cents
    checkout_token: pa.Array | None = None  # token of the storefront checkout that placed it (web orders)

    def __len__(self) -> int:
        return len(self.id)

    @property
    def total(self) -> np.ndarray:
        return self.subtotal + self.tax + self.shipping

    @property
    def updated_ts(self) -> np.ndarray:
        """Last change: placed, fulfilled, cancelled or refunded."""
        return np.maximum.reduce([self.ts + 90, self.fulfilled_ts, self.cancelled_ts, self.refund_ts])


def in_sale_window(ts: np.ndarray) -> np.ndarray:
    """Between a week before Black Friday and Cyber Monday."""
    stamp = np.asarray(ts, dtype=np.int64).astype("datetime64[s]")
    year = stamp.astype("datetime64[Y]").astype(np.int64) + 1970
    day = stamp.astype("datetime64[D]").astype(np.int64)
    years = np.unique(year)
    bf_days = np.array([np.datetime64(black_friday(int(y))).astype(np.int64) for y in years])
    bf = bf_days[np.searchsorted(years, year)]
    return (day >= bf - 7) & (day <= bf + 3)


def order_times(rng: np.random.Generator, persons: Persons, timeline: Timeline) -> tuple[np.ndarray, ...]:
    """(person, rank, ts) of every order: the first at the person's first store date, then later dates."""
    buyers = np.flatnonzero(persons.shop_orders > 0)
    parent, rank = expand(persons.shop_orders[buyers])
    person = buyers[parent]
    first_ts = persons.shop_first_ts[person]
    days = timeline.sample_days(rng, len(person), after=timeline.day_of(first_ts))
    later = np.maximum(timeline.sample_times(rng, days, persons.utc_offset_hours[person]), first_ts + HOUR)
    ts = np.where(rank == 0, first_ts, later)
    keep = ts <= timeline.end_ts
    order = np.lexsort((rank[keep], person[keep], ts[keep]))
    return person[keep][order], rank[keep][order], ts[keep][order]


def make_orders(rng: np.random.Generator, persons: Persons, catalog: Catalog, timeline: Timeline,
                account_key_of: np.ndarray, second_key_of: np.ndarray, chunk: Chunk = WHOLE) -> StoreOrders:
    """All store orders with line items, prices, campaign landing data, fulfilment and refunds.

    Ids and ``#1001`` names continue after the earlier chunks' orders.
    """
    person, rank, ts = order_times(rng, persons, timeline)
    n = len(person)
    second = (second_key_of[person] >= 0) & (rank > 0) & (rng.random(n) < 0.5)
    account_key = np.where(second, second_key_of[person], account_key_of[person])
    count = 1 + np.minimum(rng.poisson(0.35 * persons.spend[person]), 7)
    line_order, _ = expand(count)
    line_variant = catalog.sample_variants(rng, ts[line_order])
    line_qty = rng.choice([1, 2, 3, 4], size=len(line_order), p=[0.8, 0.14, 0.04, 0.02])
    line_price = catalog.variant_price[line_variant]
    sale = in_sale_window(ts)
    pct = np.where(sale, np.where(rng.random(n) < 0.6, 0.25, 0.0),
                   np.where(rng.random(n) < 0.18, rng.choice([0.1, 0.15, 0.2], size=n), 0.0))
    gross = line_price * line_qty
    line_discount = np.round(gross * pct[line_order]).astype(np.int64)
    subtotal = np.bincount(line_order, weights=gross - line_discount, minlength=n).astype(np.int64)
    discounts = np.bincount(line_order, weights=line_discount, minlength=n).astype(np.int64)
    tax_rate = TAX_RATES[(persons.household_id[person] * 7) % len(TAX_RATES)]
    shipping = np.where(subtotal >= 7500, 0, rng.choice([695, 995], size=n, p=[0.8, 0.2]))
    web = rng.random(n) < 0.96
    source = order_sources(rng, persons, person, ts, rank == 0)
    landing, referrer = landing_pages(rng, catalog, line_variant[np.r_[0, np.cumsum(count)[:-1]]], source,
                                      campaign_slugs(ts, source))
    device = persons.device_start[person] + (rng.random(n) * persons.device_count()[person]).astype(np.int64)
    cancelled_ts, fulfilled_ts, refund_ts, refund_kind = _lifecycle(rng, ts, timeline.end_ts)
    return StoreOrders(
        id=rising_ids(rng, n, chunk.first_id("shopify.orders"), 400_000),
        name=join("#", digits(chunk.first_id("shopify.order_names") + 1 + np.arange(n))),
        person=person, account_key=account_key, ts=ts, web=web,
        device=device, source=source, landing=landing, referrer=referrer, subtotal=subtotal, discounts=discounts,
        tax=np.round(subtotal * tax_rate).astype(np.int64), shipping=shipping, cancelled_ts=cancelled_ts,
        fulfilled_ts=fulfilled_ts, refund_ts=refund_ts, refund_kind=refund_kind,
        line_id=rising_ids(rng, len(line_order), chunk.first_id("shopify.line_items"), 300_000),
        line_order=line_order,
        line_variant=line_variant, line_qty=line_qty, line_price=line_price, line_discount=line_discount,
    )


def checkout_tokens(rng: np.random.Generator, orders: StoreOrders, recovered_order: np.ndarray,
                    recovered_token: pa.Array) -> pa.Array:
    """The token of the checkout behind each web order (the pixel's ``checkout_completed`` carries it):
    a recovered checkout's own token for the order it became, a fresh one otherwise; null for
    draft orders, which no storefront checkout placed."""
    tokens = np.asarray(random_text(rng, len(orders), 32, HEX).to_pylist(), dtype=object)
    became = recovered_order >= 0
    tokens[recovered_order[became]] = np.asarray(recovered_token.to_pylist(), dtype=object)[became]
    return null_where(pa.array(tokens, pa.string()), ~orders.web)


def _lifecycle(rng: np.random.Generator, ts: np.ndarray, end_ts: int) -> tuple[np.ndarray, ...]:
    """Cancellation, fulfilment and refund times (NO_TIME when it did not happen before the end)."""
    n = len(ts)
    cancelled = ts + rng.integers(HOUR, 20 * HOUR, n)
    cancelled = np.where((rng.random(n) < 0.015) & (cancelled <= end_ts), cancelled, NO_TIME)
    fulfilled = ts + rng.integers(8 * HOUR, 4 * DAY, n)
    fulfilled = np.where((cancelled == NO_TIME) & (fulfilled <= end_ts), fulfilled, NO_TIME)
    refund = fulfilled + rng.integers(3 * DAY, 30 * DAY, n)
    refunded = (fulfilled != NO_TIME) & (rng.random(n) < 0.09) & (refund <= end_ts)
    kind = np.where(refunded, np.where(rng.random(n) < 0.45, FULL_REFUND, PARTIAL_REFUND), 0)
    return cancelled, fulfilled, np.where(refunded, refund, NO_TIME), kind


@dataclass
class Refunds:
    """Refunds (one per refunded order) and their refunded line items."""

    id: np.ndarray
    order: np.ndarray  # order index
    ts: np.ndarray
    line_id: np.ndarray
    line_refund: np.ndarray  # refund index
    line_item: np.ndarray  # order line index
    line_qty: np.ndarray
    line_subtotal: np.ndarray  # cents
    line_restock: np.ndarray  # 0 return, 1 no_restock


def make_refunds(rng: np.random.Generator, orders: StoreOrders, chunk: Chunk = WHOLE) -> Refunds:
    """Full refunds return every line; partial refunds one line, some units; amounts follow the lines."""
    refunded = np.flatnonzero(orders.refund_kind > 0)
    refunded = refunded[np.argsort(orders.refund_ts[refunded], kind="stable")]
    line_count = np.bincount(orders.line_order, minlength=len(orders))
    line_start = np.r_[0, np.cumsum(line_count)[:-1]]
    full = orders.refund_kind[refunded] == FULL_REFUND
    per_refund = np.where(full, line_count[refunded], 1)
    refund_index, rank = expand(per_refund)
    order = refunded[refund_index]
    pick_line = (rng.random(len(order)) * line_count[order]).astype(np.int64)
    line = line_start[order] + np.where(full[refund_index], rank, pick_line)
    qty = orders.line_qty[line]
    refund_qty = np.where(full[refund_index], qty, 1 + (rng.random(len(line)) * qty).astype(np.int64))
    net = orders.line_price[line] * qty - orders.line_discount[line]
    subtotal = np.round(net * refund_qty / qty).astype(np.int64)
    return Refunds(
        id=rising_ids(rng, len(refunded), chunk.first_id("shopify.refunds"), 90_000), order=refunded,
        ts=orders.refund_ts[refunded],
        line_id=rising_ids(rng, len(line), chunk.first_id("shopify.refund_lines"), 90_000), line_refund=refund_index,
        line_item=line,
        line_qty=refund_qty, line_subtotal=subtotal, line_restock=(rng.random(len(line)) < 0.3).astype(np.int64),
    )
