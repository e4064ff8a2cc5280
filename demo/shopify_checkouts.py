"""Shopify abandoned checkouts: carts left at the payment step, some recovered into an order later.

Recovered checkouts copy the lines of the order they became (``completed_at`` = the order time);
the rest are carts people walked away from. Each has a token that the ``checkout_started`` pixel
event carries too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from demo.catalog import Catalog
from demo.chunks import WHOLE, Chunk
from demo.people import Persons
from demo.shopify_orders import StoreOrders
from demo.timeline import HOUR, Timeline
from demo.traffic import browse_sources, campaign_slugs, landing_pages
from demo.vector import HEX, NO_TIME, expand, random_text, rising_ids

RECOVERED_SHARE = 0.10


@dataclass
class Checkouts:
    """Checkouts sorted by creation time, and their line items (sorted by checkout)."""

    id: np.ndarray
    token: pa.Array
    person: np.ndarray
    account_key: np.ndarray
    ts: np.ndarray
    completed_ts: np.ndarray
    updated_ts: np.ndarray
    device: np.ndarray
    landing: pa.Array
    line_checkout: np.ndarray
    line_variant: np.ndarray
    line_qty: np.ndarray
    line_price: np.ndarray
    line_id: pa.Array
    order: np.ndarray | None = None  # index of the order a recovered checkout became (-1 if abandoned)

    def __len__(self) -> int:
        return len(self.id)

    @property
    def subtotal(self) -> np.ndarray:
        return np.bincount(self.line_checkout, weights=self.line_price * self.line_qty,
                           minlength=len(self)).astype(np.int64)


def make_checkouts(rng: np.random.Generator, persons: Persons, catalog: Catalog, timeline: Timeline,
                   orders: StoreOrders, account_key_of: np.ndarray, chunk: Chunk = WHOLE) -> Checkouts:
    """Recovered checkouts (a share of web orders) plus abandoned carts of store customers."""
    lead = rng.integers(HOUR // 2, 48 * HOUR, len(orders))
    recovered = np.flatnonzero(orders.web & (rng.random(len(orders)) < RECOVERED_SHARE)
                               & (orders.ts - lead > timeline.start_ts))
    rec_ts = orders.ts[recovered] - lead[recovered]
    rec_lines = np.flatnonzero(np.isin(orders.line_order, recovered))
    rec_line_parent = np.searchsorted(recovered, orders.line_order[rec_lines])

    shoppers = np.flatnonzero(persons.on_shopify)
    account_only = persons.shop_orders[shoppers] == 0
    count = rng.poisson(0.45, len(shoppers)) + account_only
    parent, rank = expand(count)
    person = shoppers[parent]
    first_ts = persons.shop_first_ts[person]
    days = timeline.sample_days(rng, len(person), after=timeline.day_of(first_ts) - 1)
    later = np.maximum(timeline.sample_times(rng, days, persons.utc_offset_hours[person]), first_ts)
    ab_ts = np.where((rank == 0) & account_only[parent], first_ts, later)
    keep = ab_ts <= timeline.end_ts
    person, ab_ts = person[keep], ab_ts[keep]
    ab_count = 1 + np.minimum(rng.poisson(0.4, len(person)), 4)
    ab_parent, _ = expand(ab_count)
    ab_variant = catalog.sample_variants(rng, ab_ts[ab_parent])
    source = browse_sources(rng, len(person))
    first_variant = ab_variant[np.r_[0, np.cumsum(ab_count)[:-1]]] if len(person) else ab_variant
    ab_landing, _ = landing_pages(rng, catalog, first_variant, source, campaign_slugs(ab_ts, source))

    n_rec = len(recovered)
    all_person = np.r_[orders.person[recovered], person]
    all_ts = np.r_[rec_ts, ab_ts]
    completed = np.r_[orders.ts[recovered], np.full(len(person), NO_TIME)]
    abandoned_update = np.minimum(all_ts + rng.integers(300, 3600, len(all_ts)), timeline.end_ts)
    updated = np.where(completed != NO_TIME, completed, abandoned_update)
    line_checkout = np.r_[rec_line_parent, n_rec + ab_parent]
    line_variant = np.r_[orders.line_variant[rec_lines], ab_variant]
    line_qty = np.r_[orders.line_qty[rec_lines], rng.choice([1, 2], size=len(ab_parent), p=[0.85, 0.15])]
    device = persons.device_start[all_person] + (
        rng.random(len(all_person)) * persons.device_count()[all_person]).astype(np.int64)
    landing = pa.concat_arrays([orders.landing.take(pa.array(recovered)), ab_landing])
    account_key = np.r_[orders.account_key[recovered], account_key_of[person]]
    became = np.r_[recovered, np.full(len(person), -1, dtype=np.int64)]

    order = np.argsort(all_ts, kind="stable")
    rank_of = np.empty_like(order)
    rank_of[order] = np.arange(len(order))
    line_sort = np.lexsort((np.arange(len(line_checkout)), rank_of[line_checkout]))
    n = len(order)
    return Checkouts(
        id=rising_ids(rng, n, chunk.first_id("shopify.checkouts"), 400_000), token=random_text(rng, n, 32, HEX),
        person=all_person[order], account_key=account_key[order], ts=all_ts[order], completed_ts=completed[order],
        updated_ts=updated[order], device=device[order], landing=landing.take(pa.array(order)),
        line_checkout=rank_of[line_checkout][line_sort], line_variant=line_variant[line_sort],
        line_qty=line_qty[line_sort], line_price=catalog.variant_price[line_variant[line_sort]],
        line_id=random_text(rng, len(line_sort), 32, HEX), order=became[order],
    )
