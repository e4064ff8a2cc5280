"""Shopify Web Pixel events: the storefront visits behind orders, checkouts, e-mail clicks and browsing.

Every visit is a session on one browser (``clientId`` cookie, user agent) that starts with
``page_viewed`` on its landing page, views products, adds to cart and may start and complete a
checkout. ``customerId`` is only there when the visitor is logged in. Sessions come from orders
(ending at the order time), abandoned checkouts, Klaviyo e-mail clicks, browsing by known people,
and anonymous visitors who are in no other system. Built as whole arrays (the table is large).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from demo import refdata
from demo.catalog import SHOP_DOMAIN, Catalog
from demo.frame import NO_PERSON, TableOut, floats, frame, ints
from demo.klaviyo_events import Clicks
from demo.people import Persons
from demo.shopify import ShopifyData
from demo.timeline import Timeline
from demo.traffic import browse_sources, campaign_slugs, landing_pages, store_url
from demo.vector import (
    HEX,
    NO_TIME,
    categorical,
    choose,
    expand,
    iso_millis_z,
    join,
    null_where,
    pick,
    random_text,
    uuid4,
)

EVENT_NAMES = ("page_viewed", "product_viewed", "product_added_to_cart", "checkout_started", "checkout_completed")
BROWSE, CHECKOUT, COMPLETED = range(3)


@dataclass
class Sessions:
    """Visits: anchor time (start, or end for visits that end in a checkout), who, where, what in the cart."""

    anchor: np.ndarray
    ends_at_anchor: np.ndarray
    person: np.ndarray  # -1: anonymous visitor
    device: np.ndarray  # person's device row, or -1
    anon_client: np.ndarray  # anonymous visitor index, or -1
    account_id: np.ndarray  # logged-in Shopify customer id, or -1
    landing: pa.Array
    views: np.ndarray
    stage: np.ndarray
    token: pa.Array
    cart_count: np.ndarray
    cart_variant: np.ndarray  # concatenated cart lines, in session order
    cart_qty: np.ndarray


def generate(rng: np.random.Generator, persons: Persons, catalog: Catalog, timeline: Timeline, shop: ShopifyData,
             clicks: Clicks, anonymous_per_person: float = 1.3) -> TableOut:
    """The ``pixel_events`` table."""
    parts = [_order_sessions(rng, shop), _checkout_sessions(rng, shop),
             _browse_sessions(rng, persons, catalog, timeline, shop),
             _click_sessions(rng, persons, shop, clicks),
             _anonymous_sessions(rng, catalog, timeline, round(anonymous_per_person * len(persons)))]
    sessions = _concat(parts)
    anon_clients = uuid4(rng, int(sessions.anon_client.max()) + 1 if len(sessions.anon_client) else 1)
    return _events(rng, persons, catalog, timeline, sessions, anon_clients)


def _logged_in(rng: np.random.Generator, shop: ShopifyData, person: np.ndarray, ts: np.ndarray, share: float
               ) -> np.ndarray:
    """The customer id of people logged in to their (already opened) store account, else -1."""
    accounts = shop.accounts
    index = accounts.index_of_key[np.minimum(person, len(accounts.index_of_key) - 1)]
    own = (index >= 0) & (accounts.person[np.maximum(index, 0)] == person)
    ok = own & (accounts.created_ts[np.maximum(index, 0)] <= ts) & (rng.random(len(person)) < share)
    return np.where(ok, accounts.id[np.maximum(index, 0)], -1)


def _order_sessions(rng: np.random.Generator, shop: ShopifyData) -> Sessions:
    orders = shop.orders
    web = np.flatnonzero(orders.web)
    lines = np.flatnonzero(orders.web[orders.line_order])
    n = len(web)
    logged = rng.random(n) < 0.5
    views = 1 + rng.poisson(1.3, n)
    # The session completes the order's own checkout (its token is on the order); the tokens once
    # drawn here are still drawn, and dropped, so the rest of the pixel stream is unchanged.
    random_text(rng, n, 32, HEX)
    account = shop.accounts.id[shop.accounts.index_of_key[orders.account_key[web]]]
    return Sessions(
        anchor=orders.ts[web], ends_at_anchor=np.ones(n, bool), person=orders.person[web], device=orders.device[web],
        anon_client=np.full(n, -1), account_id=np.where(logged, account, -1),
        landing=orders.landing.take(pa.array(web)),
        views=views, stage=np.full(n, COMPLETED), token=orders.checkout_token.take(pa.array(web)),
        cart_count=np.bincount(orders.line_order, minlength=len(orders))[web],
        cart_variant=orders.line_variant[lines], cart_qty=orders.line_qty[lines],
    )


def _checkout_sessions(rng: np.random.Generator, shop: ShopifyData) -> Sessions:
    checkouts = shop.checkouts
    n = len(checkouts)
    account = shop.accounts.id[shop.accounts.index_of_key[checkouts.account_key]]
    return Sessions(
        anchor=checkouts.ts, ends_at_anchor=np.ones(n, bool), person=checkouts.person, device=checkouts.device,
        anon_client=np.full(n, -1), account_id=np.where(rng.random(n) < 0.4, account, -1), landing=checkouts.landing,
        views=1 + rng.poisson(1.0, n), stage=np.full(n, CHECKOUT), token=checkouts.token,
        cart_count=np.bincount(checkouts.line_checkout, minlength=n), cart_variant=checkouts.line_variant,
        cart_qty=checkouts.line_qty,
    )


def _browse(rng: np.random.Generator, persons: Persons, catalog: Catalog, shop: ShopifyData, person: np.ndarray,
            ts: np.ndarray, landing: pa.Array | None, cart_share: float) -> Sessions:
    """Visits without a checkout by known people (their own devices; logged in now and then)."""
    n = len(person)
    if landing is None:
        source = browse_sources(rng, n)
        landing, _ = landing_pages(rng, catalog, catalog.sample_variants(rng, ts), source, campaign_slugs(ts, source))
    device = persons.device_start[person] + (rng.random(n) * persons.device_count()[person]).astype(np.int64)
    cart = (rng.random(n) < cart_share).astype(np.int64)
    cart_lines = int(cart.sum())
    return Sessions(
        anchor=ts, ends_at_anchor=np.zeros(n, bool), person=person, device=device, anon_client=np.full(n, -1),
        account_id=_logged_in(rng, shop, person, ts, 0.3), landing=landing, views=rng.poisson(1.6, n),
        stage=np.full(n, BROWSE), token=pa.nulls(n, pa.string()), cart_count=cart,
        cart_variant=catalog.sample_variants(rng, ts[cart > 0]), cart_qty=np.ones(cart_lines, dtype=np.int64),
    )


def _browse_sessions(rng: np.random.Generator, persons: Persons, catalog: Catalog, timeline: Timeline,
                     shop: ShopifyData) -> Sessions:
    rate = np.select([persons.on_shopify, persons.role == 0], [2.6, 0.8], default=0.4)
    first = np.where(persons.shop_first_ts != NO_TIME, persons.shop_first_ts,
                     np.where(persons.signup_ts != NO_TIME, persons.signup_ts, persons.amazon_first_ts))
    person = np.repeat(np.arange(len(persons)), rng.poisson(rate))
    days = timeline.sample_days(rng, len(person), after=timeline.day_of(first[person]) - 1)
    ts = np.maximum(timeline.sample_times(rng, days, persons.utc_offset_hours[person]), first[person])
    keep = ts <= timeline.end_ts
    return _browse(rng, persons, catalog, shop, person[keep], ts[keep], None, 0.15)


def _click_sessions(rng: np.random.Generator, persons: Persons, shop: ShopifyData, clicks: Clicks) -> Sessions:
    n = len(clicks.person)
    device = persons.device_start[clicks.person] + (rng.random(n) * persons.device_count()[clicks.person]).astype(
        np.int64)
    return Sessions(
        anchor=clicks.ts + 2, ends_at_anchor=np.zeros(n, bool), person=clicks.person, device=device,
        anon_client=np.full(n, -1), account_id=_logged_in(rng, shop, clicks.person, clicks.ts, 0.3),
        landing=clicks.landing, views=rng.poisson(1.2, n), stage=np.full(n, BROWSE), token=pa.nulls(n, pa.string()),
        cart_count=np.zeros(n, dtype=np.int64), cart_variant=np.zeros(0, np.int64), cart_qty=np.zeros(0, np.int64),
    )


def _anonymous_sessions(rng: np.random.Generator, catalog: Catalog, timeline: Timeline, n: int) -> Sessions:
    """Visitors who never buy, sign up or log in: in no other system, so no person behind them."""
    ts = timeline.sample_times(rng, timeline.sample_days(rng, n))
    source = browse_sources(rng, n)
    landing, _ = landing_pages(rng, catalog, catalog.sample_variants(rng, ts), source, campaign_slugs(ts, source))
    cart = (rng.random(n) < 0.05).astype(np.int64)
    return Sessions(
        anchor=ts, ends_at_anchor=np.zeros(n, bool), person=np.full(n, -1), device=np.full(n, -1),
        anon_client=rng.integers(0, max(1, int(n * 0.7)), n), account_id=np.full(n, -1), landing=landing,
        views=rng.poisson(1.2, n), stage=np.full(n, BROWSE), token=pa.nulls(n, pa.string()), cart_count=cart,
        cart_variant=catalog.sample_variants(rng, ts[cart > 0]), cart_qty=np.ones(int(cart.sum()), dtype=np.int64),
    )


def _concat(parts: list[Sessions]) -> Sessions:
    def cat(name: str):
        values = [getattr(p, name) for p in parts]
        return pa.concat_arrays(values) if isinstance(values[0], pa.Array) else np.concatenate(values)

    return Sessions(**{name: cat(name) for name in Sessions.__dataclass_fields__})


def _events(rng: np.random.Generator, persons: Persons, catalog: Catalog, timeline: Timeline, s: Sessions,
            anon_clients: pa.Array) -> TableOut:
    """Expand sessions into events, vectorised: one row per event, typed by its rank in the session."""
    has_checkout = (s.stage >= CHECKOUT).astype(np.int64)
    completed = (s.stage == COMPLETED).astype(np.int64)
    count = 1 + s.views + s.cart_count + has_checkout + completed
    session, rank = expand(count)
    views, carts = s.views[session], s.cart_count[session]
    kind = np.select([rank == 0, rank <= views, rank <= views + carts, rank == views + carts + 1],
                     [0, 1, 2, 3], default=4)
    cart_start = np.r_[0, np.cumsum(s.cart_count)[:-1]]
    cart_line = cart_start[session] + np.clip(rank - 1 - views, 0, None)
    has_cart = carts > 0
    cart_variant = np.where(has_cart, s.cart_variant[np.minimum(cart_line, max(len(s.cart_variant) - 1, 0))], 0) \
        if len(s.cart_variant) else np.zeros(len(session), np.int64)
    first_cart = np.where(has_cart, s.cart_variant[np.minimum(cart_start[session], max(len(s.cart_variant) - 1, 0))],
                          0) if len(s.cart_variant) else np.zeros(len(session), np.int64)
    random_variant = catalog.sample_variants(rng, s.anchor[session])
    variant = np.where(kind == 2, cart_variant, np.where((kind == 1) & (rank == 1) & has_cart, first_cart,
                                                         random_variant))
    gap = np.where(rank == 0, 0, rng.exponential(40.0, len(session)).astype(np.int64) + 3)
    offset = np.cumsum(gap)
    offset -= offset[np.r_[0, np.cumsum(count)[:-1]]][session]
    total = offset[np.cumsum(count) - 1][session]
    ts = np.where(s.ends_at_anchor[session], s.anchor[session] - (total - offset), s.anchor[session] + offset)
    ts = np.clip(ts, timeline.start_ts, timeline.end_ts)
    product = (kind == 1) | (kind == 2)
    person = s.person[session]
    known = person >= 0
    device = np.where(known, s.device[session], 0)
    visitor = np.maximum(s.anon_client[session], 0)
    client_id = choose(np.where(known, 0, 1), persons.device_client_id.take(pa.array(device)),
                       anon_clients.take(pa.array(visitor)))
    # An anonymous visitor keeps one browser: derive its user agent from the visitor number.
    ua_index = np.where(known, persons.device_ua[device], (visitor * 7919) % len(refdata.USER_AGENTS))
    token = s.token.take(pa.array(session))
    product_href = join(store_url(catalog.product_url(variant)), "?variant=",
                        pa.array(catalog.variant_id[variant]).cast(pa.string()))
    checkout_href = join(f"https://{SHOP_DOMAIN}/checkouts/cn/", token,
                         pick(["/information", "/thank-you"], (kind == 4).astype(np.int64)))
    href = choose(kind, store_url(s.landing.take(pa.array(session))), product_href, product_href, checkout_href,
                  checkout_href)
    account = s.account_id[session]
    columns = {
        "id": join("sh-", uuid4(rng, len(session))),
        "name": categorical(EVENT_NAMES, kind),
        "timestamp": iso_millis_z(ts, rng.integers(0, 1000, len(session))),
        "client_id": client_id,
        "customer_id": ints(account, account < 0),
        "context__document__location__href": href,
        "context__navigator__user_agent": categorical([ua for ua, _ in refdata.USER_AGENTS], ua_index),
        "data__product_variant__product__id": ints(catalog.product_id[catalog.variant_product[variant]], ~product),
        "data__product_variant__id": ints(catalog.variant_id[variant], ~product),
        "data__product_variant__price__amount": floats(catalog.variant_price[variant] / 100.0, ~product),
        "data__cart_line__quantity": ints(np.where(kind == 2, s.cart_qty[np.minimum(cart_line, max(
            len(s.cart_qty) - 1, 0))] if len(s.cart_qty) else 1, 0), kind != 2),
        "data__checkout__token": null_where(token, kind < 3),
    }
    person_id = np.where(known, person + 1, NO_PERSON)
    return TableOut("shopify", "pixel_events", frame(columns, ts, person_id=person_id))

