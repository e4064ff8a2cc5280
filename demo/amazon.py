"""Amazon (the marketplace): orders, order items, FBA shipments, customer returns, seller feedback.

The same catalog is listed by ASIN with the store's SKUs. Buyers appear under a masked relay
address (``<random>@marketplace.amazon.com``, stable per buyer), so the links to the store are the
name and shipping address (Amazon-first buyers later order on the store with the same ones) and
support tickets quoting an Amazon order id. Amazon Business orders carry the company legal name.
API tables use SP-API field names (``AmazonOrderId``, ``OrderTotal__Amount``), reports their
hyphenated headings (``amazon-order-id``); times are UTC ``...Z``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from demo.catalog import BRAND, Catalog
from demo.chunks import WHOLE, Chunk
from demo.frame import SpareKeys, TableOut, bools, frame, ints, nulls
from demo.identity import full_name, render_address1, render_phone, take
from demo.people import COUNTRIES, Persons
from demo.shopify_orders import TAX_RATES
from demo.timeline import DAY, HOUR, Timeline
from demo.vector import (
    BASE62,
    DIGITS,
    LOWER_ALNUM,
    NO_TIME,
    UPPER_ALNUM,
    choose,
    digits,
    encode,
    expand,
    iso_z,
    join,
    money,
    null_where,
    pick,
    random_text,
    where,
)

# (marketplace id, sales channel, currency, FX from USD, order id prefixes)
MARKETPLACES = (
    ("ATVPDKIKX0DER", "Amazon.com", "USD", 1.0, ("111", "112", "113", "114")),
    ("A2EUQ1WTGCTBG2", "Amazon.ca", "CAD", 1.36, ("701", "702")),
    ("A1F83G8C2ARO7P", "Amazon.co.uk", "GBP", 0.79, ("202", "203", "204", "205", "206")),
    ("A1PA6795UKMFR9", "Amazon.de", "EUR", 0.92, ("302", "303", "304", "305", "306")),
)
STATUSES = ("Shipped", "Canceled", "Unshipped", "Pending")
SHIPPED, CANCELED, UNSHIPPED, PENDING = range(4)
RETURN_REASONS = ("DEFECTIVE", "NOT_AS_DESCRIBED", "UNWANTED_ITEM", "SWITCHEROO", "DAMAGED_BY_CARRIER",
                  "ORDERED_WRONG_ITEM", "APPAREL_TOO_SMALL", "APPAREL_TOO_LARGE", "QUALITY_UNACCEPTABLE",
                  "FOUND_BETTER_PRICE", "MISSED_ESTIMATED_DELIVERY", "NO_REASON_GIVEN")
REASON_SHARES = (0.12, 0.1, 0.2, 0.02, 0.05, 0.08, 0.1, 0.08, 0.08, 0.05, 0.04, 0.08)
DISPOSITIONS = ("SELLABLE", "CUSTOMER_DAMAGED", "DEFECTIVE", "CARRIER_DAMAGED", "DISTRIBUTOR_DAMAGED")
DISPOSITION_STATUS = ("Unit returned to inventory", "Unit returned to inventory", "Unit returned to inventory",
                      "Reimbursed", "Reimbursed")
FULFILMENT_CENTRES = ("PHX7", "ONT8", "BFI4", "MDW2", "JFK8", "YYZ4", "YVR2", "LTN1", "BHX4", "FRA7")
CARRIERS = ("AMZN_US", "UPS", "USPS", "Canada Post", "Royal Mail", "DHL")
COMMENTS = {
    1: ("Arrived damaged and seller never replied.", "Not as described. Very disappointed."),
    2: ("Runs small, had to return.", "Took too long to arrive."),
    3: ("It's okay. Expected better quality for the price.", None),
    4: ("Good product, fast shipping.", "Nice quality, would buy again.", None),
    5: ("Excellent! Exactly as described.", "Love it - second one I've bought.", "Great seller, fast delivery.",
        None),
}


@dataclass
class AmazonOrders:
    id: pa.Array
    person: np.ndarray
    ts: np.ndarray
    status: np.ndarray
    updated_ts: np.ndarray
    shipped_ts: np.ndarray
    market: np.ndarray
    afn: np.ndarray
    business: np.ndarray
    prime: np.ndarray
    line_order: np.ndarray
    line_variant: np.ndarray
    line_qty: np.ndarray
    line_price: np.ndarray  # ItemPrice: unit price x quantity, cents in the marketplace currency
    line_tax: np.ndarray
    line_promo: np.ndarray
    line_shipping: np.ndarray
    line_id: pa.Array

    def __len__(self) -> int:
        return len(self.person)


@dataclass
class AmazonData:
    orders: AmazonOrders
    buyer_email: pa.Array  # per person: the masked relay address (null for people who never bought there)
    tables: list[TableOut]


def generate(rng: np.random.Generator, persons: Persons, catalog: Catalog, timeline: Timeline,
             chunk: Chunk = WHOLE) -> AmazonData:
    """All Amazon tables (their random ids drawn from the chunk's own share, unique across chunks)."""
    buyer_email = join(random_text(rng, len(persons), 16, LOWER_ALNUM), "@marketplace.amazon.com")
    orders = make_orders(rng, persons, catalog, timeline, chunk)
    shipments, shipped_items = fba_shipments_table(rng, persons, catalog, orders, buyer_email, timeline, chunk)
    returns, returned_orders = returns_table(rng, catalog, orders, shipped_items, timeline, chunk)
    tables = [
        orders_table(rng, persons, orders, buyer_email),
        order_items_table(catalog, orders),
        shipments,
        returns,
        feedback_table(rng, orders, buyer_email, returned_orders, timeline),
    ]
    buyer_email = null_where(buyer_email, persons.amazon_orders == 0)
    return AmazonData(orders=orders, buyer_email=buyer_email, tables=tables)


def _listed_variants(catalog: Catalog, chosen: np.ndarray) -> np.ndarray:
    """Map any variant not listed on Amazon to a listed one (the marketplace sells a subset)."""
    listed = np.flatnonzero(catalog.variant_on_amazon)
    return np.where(catalog.variant_on_amazon[chosen], chosen, listed[chosen % len(listed)])


def make_orders(rng: np.random.Generator, persons: Persons, catalog: Catalog, timeline: Timeline,
                chunk: Chunk = WHOLE) -> AmazonOrders:
    buyers = np.flatnonzero(persons.amazon_orders > 0)
    parent, rank = expand(persons.amazon_orders[buyers])
    person = buyers[parent]
    first = persons.amazon_first_ts[person]
    days = timeline.sample_days(rng, len(person), after=timeline.day_of(first), amazon=True)
    later = np.maximum(timeline.sample_times(rng, days, persons.utc_offset_hours[person]), first + HOUR)
    ts = np.where(rank == 0, first, later)
    keep = ts <= timeline.end_ts
    sort = np.lexsort((person[keep], ts[keep]))
    person, ts = person[keep][sort], ts[keep][sort]
    n = len(person)
    country = persons.country[person]
    market = np.where((country == 2) & (rng.random(n) < 0.12), 3, country)
    afn = rng.random(n) < 0.85
    canceled = rng.random(n) < 0.02
    shipped_ts = ts + np.where(afn, rng.integers(4 * HOUR, 2 * DAY, n), rng.integers(DAY, 3 * DAY, n))
    pending = ts > timeline.end_ts - 30 * 60
    status = np.select([canceled, pending, shipped_ts > timeline.end_ts], [CANCELED, PENDING, UNSHIPPED],
                       default=SHIPPED)
    updated = np.select([status == CANCELED, status == SHIPPED], [ts + rng.integers(HOUR, 12 * HOUR, n), shipped_ts],
                        default=ts + rng.integers(60, 900, n))
    updated = np.minimum(updated, timeline.end_ts)
    shipped_ts = np.where(status == SHIPPED, shipped_ts, NO_TIME)
    count = 1 + np.minimum(rng.poisson(0.25 * persons.spend[person]), 4)
    line_order, _ = expand(count)
    variant = _listed_variants(catalog, catalog.sample_variants(rng, ts[line_order]))
    business = persons.is_business[person] & (rng.random(n) < 0.8)
    qty = np.where(business[line_order], rng.integers(1, 11, len(line_order)),
                   rng.choice([1, 2, 3], size=len(line_order), p=[0.88, 0.09, 0.03]))
    fx = np.array([m[3] for m in MARKETPLACES])[market[line_order]]
    unit = np.maximum(np.round(catalog.variant_price[variant] * fx * rng.uniform(1.0, 1.1, len(variant)) / 100)
                      * 100 - 1, 99).astype(np.int64)
    price = unit * qty
    tax_rate = np.select([market == 0, market == 1], [TAX_RATES[(persons.household_id[person] * 7) % len(TAX_RATES)],
                                                     0.13], default=0.0)
    promo_share = np.where(rng.random(n) < 0.1, rng.choice([0.05, 0.1, 0.2], size=n), 0.0)
    prime = rng.random(n) < 0.65
    first_line = np.r_[True, line_order[1:] != line_order[:-1]]
    return AmazonOrders(
        id=_order_ids(rng, market, chunk), person=person, ts=ts, status=status, updated_ts=updated,
        shipped_ts=shipped_ts,
        market=market, afn=afn, business=business, prime=prime, line_order=line_order, line_variant=variant,
        line_qty=qty, line_price=price, line_tax=np.round(price * tax_rate[line_order]).astype(np.int64),
        line_promo=np.round(price * promo_share[line_order]).astype(np.int64),
        line_shipping=np.where(first_line & ~prime[line_order], 599, 0),
        line_id=digits(chunk.unique_ints(rng, len(line_order), 10**13, 10**14)),
    )


def _order_ids(rng: np.random.Generator, market: np.ndarray, chunk: Chunk) -> pa.Array:
    """``111-1234567-1234567`` with a marketplace-typical prefix; unique."""
    n = len(market)
    body = chunk.unique_ints(rng, n, 10**13, 10**14)
    prefixes = [p for m in MARKETPLACES for p in m[4]]
    starts = np.cumsum([0] + [len(m[4]) for m in MARKETPLACES])
    sizes = np.array([len(m[4]) for m in MARKETPLACES])
    prefix = pick(prefixes, starts[market] + (rng.random(n) * sizes[market]).astype(np.int64))
    return join(prefix, "-", digits(body // 10**7, 7), "-", digits(body % 10**7, 7))


def _order_totals(orders: AmazonOrders) -> np.ndarray:
    line_total = orders.line_price + orders.line_tax + orders.line_shipping - orders.line_promo
    return np.bincount(orders.line_order, weights=line_total, minlength=len(orders)).astype(np.int64)


def orders_table(rng: np.random.Generator, persons: Persons, orders: AmazonOrders, buyer_email: pa.Array
                 ) -> TableOut:
    """Orders (SP-API getOrders); shipped orders also arrive in their earlier ``Unshipped`` version."""
    p = orders.person
    n = len(orders)
    quantity = np.bincount(orders.line_order, weights=orders.line_qty, minlength=n).astype(np.int64)
    pending = orders.status == PENDING
    name = full_name(rng, persons, p)
    country = persons.country[p]

    def version(status: np.ndarray, at: np.ndarray) -> dict[str, pa.Array]:
        shipped = status == SHIPPED
        return {
            "last_update_date": iso_z(at),
            "order_status": pick(STATUSES, status),
            "number_of_items_shipped": ints(np.where(shipped, quantity, 0)),
            "number_of_items_unshipped": ints(np.where(shipped | (status == CANCELED), 0, quantity)),
        }

    columns = {
        "amazon_order_id": orders.id,
        "purchase_date": iso_z(orders.ts),
        "fulfillment_channel": pick(["MFN", "AFN"], orders.afn.astype(np.int64)),
        "sales_channel": pick([m[1] for m in MARKETPLACES], orders.market),
        "marketplace_id": pick([m[0] for m in MARKETPLACES], orders.market),
        "order_type": pick(["StandardOrder"], np.zeros(n, dtype=np.int64)),
        "order_total__currency_code": null_where(pick([m[2] for m in MARKETPLACES], orders.market), pending),
        "order_total__amount": money(_order_totals(orders), pending),
        "is_business_order": bools(orders.business),
        "is_prime": bools(orders.prime),
        "buyer_info__buyer_email": null_where(buyer_email.take(pa.array(p)), pending),
        "buyer_info__buyer_name": null_where(name, pending | (rng.random(n) < 0.25)),
        "buyer_info__buyer_tax_info__company_legal_name": null_where(take(persons.company, p), ~orders.business),
        "shipping_address__name": null_where(name, rng.random(n) < 0.08),
        "shipping_address__address_line1": render_address1(rng, persons, p, abbreviate=0.45),
        "shipping_address__city": take(persons.city, p),
        "shipping_address__state_or_region": take(persons.region, p),
        "shipping_address__postal_code": take(persons.postal_code, p),
        "shipping_address__country_code": pick(COUNTRIES, country),
        "shipping_address__phone": null_where(render_phone(rng, persons, p), rng.random(n) < 0.65),
        **version(orders.status, orders.updated_ts),
    }
    latest = frame(columns, orders.updated_ts, person_id=p + 1)
    earlier_status = np.where(orders.status == SHIPPED, UNSHIPPED, PENDING)
    at = orders.ts + rng.integers(60, 1800, n)
    candidates = np.flatnonzero(((orders.status == SHIPPED) | (orders.status == CANCELED)) & (at < orders.updated_ts))
    older = frame({**columns, **version(earlier_status, at)}, at, person_id=latest.person_id).take(candidates)
    return TableOut("amazon", "orders", latest, older=older)


def order_items_table(catalog: Catalog, orders: AmazonOrders) -> TableOut:
    o = orders.line_order
    v = orders.line_variant
    shipped = orders.status[o] == SHIPPED
    currency = pick([m[2] for m in MARKETPLACES], orders.market[o])
    title = join(f"{BRAND} ", catalog.variant_full_title.take(pa.array(v)))
    columns = {
        "order_item_id": orders.line_id,
        "amazon_order_id": orders.id.take(pa.array(o)),
        "asin": catalog.variant_asin.take(pa.array(v)),
        "seller_sku": catalog.variant_sku.take(pa.array(v)),
        "title": title,
        "quantity_ordered": ints(orders.line_qty),
        "quantity_shipped": ints(np.where(shipped, orders.line_qty, 0)),
        "item_price__currency_code": currency,
        "item_price__amount": money(orders.line_price),
        "item_tax__amount": money(orders.line_tax),
        "promotion_discount__amount": money(orders.line_promo),
        "shipping_price__amount": money(orders.line_shipping),
    }
    return TableOut("amazon", "order_items", frame(columns, orders.ts[o] + 1, person_id=orders.person[o] + 1))


def fba_shipments_table(rng: np.random.Generator, persons: Persons, catalog: Catalog, orders: AmazonOrders,
                        buyer_email: pa.Array, timeline: Timeline, chunk: Chunk = WHOLE
                        ) -> tuple[TableOut, np.ndarray]:
    """Amazon Fulfilled Shipments report: one row per shipped item of FBA orders."""
    o_all = orders.line_order
    items = np.flatnonzero((orders.status[o_all] == SHIPPED) & orders.afn[o_all])
    o = o_all[items]
    v = orders.line_variant[items]
    p = orders.person[o]
    n = len(items)
    shipped = orders.shipped_ts[o]
    reporting = np.minimum(shipped + rng.integers(HOUR, 6 * HOUR, n), timeline.end_ts)
    centre = np.where(orders.market[o] == 0, rng.integers(0, 5, n),
                      np.where(orders.market[o] == 1, rng.integers(5, 7, n), rng.integers(7, 10, n)))
    carrier = np.where(orders.market[o] == 0, rng.choice(3, size=n, p=[0.7, 0.2, 0.1]),
                       np.where(orders.market[o] == 1, 3, np.where(orders.market[o] == 2, 4, 5)))
    tracking = choose(carrier, join("TBA", digits(rng.integers(10**11, 10**12, n), 12)),
                      join("1Z", random_text(rng, n, 16, UPPER_ALNUM)),
                      join("9400", random_text(rng, n, 18, DIGITS)), random_text(rng, n, 16, DIGITS),
                      join(random_text(rng, n, 2, "ABCDEFGHJKLMNPRSTUVWXYZ"), random_text(rng, n, 9, DIGITS), "GB"),
                      random_text(rng, n, 10, DIGITS))
    shipment_number = chunk.unique_ints(rng, len(orders), 0, 62**8)
    columns = {
        "shipment_item_id": join("D", encode(chunk.unique_ints(rng, n, 0, 62**8), 8, BASE62)),
        "shipment_id": join("D", encode(shipment_number[o], 8, BASE62)),
        "amazon_order_id": orders.id.take(pa.array(o)),
        "amazon_order_item_id": orders.line_id.take(pa.array(items)),
        "merchant_order_id": nulls(n),
        "sku": catalog.variant_sku.take(pa.array(v)),
        "quantity_shipped": ints(orders.line_qty[items]),
        "currency": pick([m[2] for m in MARKETPLACES], orders.market[o]),
        "item_price": money(orders.line_price[items]),
        "purchase_date": iso_z(orders.ts[o]),
        "shipment_date": iso_z(shipped),
        "reporting_date": iso_z(reporting),
        "estimated_arrival_date": iso_z(shipped + rng.integers(2 * DAY, 5 * DAY, n)),
        "buyer_email": buyer_email.take(pa.array(p)),
        "carrier": pick(CARRIERS, carrier),
        "tracking_number": tracking,
        "fulfillment_center_id": pick(FULFILMENT_CENTRES, centre),
        "sales_channel": pick([m[1] for m in MARKETPLACES], orders.market[o]),
        "ship_city": take(persons.city, p),
        "ship_state": take(persons.region, p),
        "ship_postal_code": take(persons.postal_code, p),
        "ship_country": pick(COUNTRIES, persons.country[p]),
    }
    table = TableOut("amazon", "fba_shipments", frame(columns, reporting, person_id=p + 1))
    return table, items


def returns_table(rng: np.random.Generator, catalog: Catalog, orders: AmazonOrders, shipped_items: np.ndarray,
                  timeline: Timeline, chunk: Chunk = WHOLE) -> tuple[TableOut, np.ndarray]:
    """FBA customer returns: one row per returned unit, with Amazon's reason code and disposition."""
    o_all = orders.line_order[shipped_items]
    return_ts = orders.shipped_ts[o_all] + rng.integers(5 * DAY, 40 * DAY, len(shipped_items))
    returned = (rng.random(len(shipped_items)) < 0.07) & (return_ts <= timeline.end_ts)
    units = np.where(returned, 1 + (rng.random(len(shipped_items)) * np.minimum(
        orders.line_qty[shipped_items], 2)).astype(np.int64), 0)
    parent, _ = expand(units)
    item = shipped_items[parent]
    o = orders.line_order[item]
    v = orders.line_variant[item]
    ts = return_ts[parent] + rng.integers(0, HOUR, len(parent))
    sort = np.argsort(ts, kind="stable")
    item, o, v, ts = item[sort], o[sort], v[sort], ts[sort]
    n = len(item)
    reason = rng.choice(len(RETURN_REASONS), size=n, p=np.array(REASON_SHARES) / sum(REASON_SHARES))
    disposition = np.select([reason == 0, reason == 4], [2, 3], default=np.where(rng.random(n) < 0.8, 0, 1))
    comment_index = np.minimum(reason, 5)  # one typical comment per reason group; most buyers write none
    comments = pick(["Zipper broke after one use", "Colour is different from the photos", "Didn't need it anymore",
                     "Received a used item", "Box was crushed", "Ordered the wrong size", None],
                    np.where(rng.random(n) < 0.35, comment_index, 6))
    centre = np.where(orders.market[o] == 0, rng.integers(0, 5, n),
                      np.where(orders.market[o] == 1, rng.integers(5, 7, n), rng.integers(7, 10, n)))
    columns = {
        "license_plate_number": join("LPN", encode(chunk.unique_ints(rng, n, 0, 36**10), 10, UPPER_ALNUM)),
        "return_date": iso_z(ts),
        "order_id": orders.id.take(pa.array(o)),
        "sku": catalog.variant_sku.take(pa.array(v)),
        "asin": catalog.variant_asin.take(pa.array(v)),
        "fnsku": catalog.variant_fnsku.take(pa.array(v)),
        "product_name": join(f"{BRAND} ", catalog.variant_full_title.take(pa.array(v))),
        "quantity": ints(np.ones(n, dtype=np.int64)),
        "fulfillment_center_id": pick(FULFILMENT_CENTRES, centre),
        "detailed_disposition": pick(DISPOSITIONS, disposition),
        "reason": pick(RETURN_REASONS, reason),
        "status": pick(DISPOSITION_STATUS, disposition),
        "customer_comments": comments,
    }
    return TableOut("amazon", "returns", frame(columns, ts, person_id=orders.person[o] + 1)), np.unique(o)


def feedback_table(rng: np.random.Generator, orders: AmazonOrders, buyer_email: pa.Array, returned: np.ndarray,
                   timeline: Timeline) -> TableOut:
    """Seller feedback: one rating per order from a minority of buyers, lower after a return."""
    n_orders = len(orders)
    date = orders.shipped_ts + rng.integers(3 * DAY, 20 * DAY, n_orders)
    was_returned = np.zeros(n_orders, dtype=bool)
    was_returned[returned] = True
    eligible = (orders.status == SHIPPED) & (date <= timeline.end_ts)
    rated = np.flatnonzero(eligible & (rng.random(n_orders) < np.where(was_returned, 0.3, 0.07)))
    rated = rated[np.argsort(date[rated], kind="stable")]
    n = len(rated)
    rating = np.where(was_returned[rated], rng.choice([1, 2, 3, 4, 5], size=n, p=[0.3, 0.25, 0.2, 0.15, 0.1]),
                      rng.choice([1, 2, 3, 4, 5], size=n, p=[0.04, 0.03, 0.08, 0.2, 0.65]))
    comment_options = [c for r in range(1, 6) for c in COMMENTS[r]]
    starts = np.cumsum([0] + [len(COMMENTS[r]) for r in range(1, 6)])
    sizes = np.array([len(COMMENTS[r]) for r in range(1, 6)])
    comment = pick(comment_options, starts[rating - 1] + (rng.random(n) * sizes[rating - 1]).astype(np.int64))
    response = where((rating <= 2) & (rng.random(n) < 0.5),
                     pa.scalar("We're sorry to hear this. Please contact us so we can make it right."),
                     pa.scalar(None, pa.string()))
    columns = {
        "order_id": orders.id.take(pa.array(rated)),
        "date": iso_z(date[rated]),
        "rating": ints(rating),
        "comments": comment,
        "your_response": response,
        "rater_email": buyer_email.take(pa.array(orders.person[rated])),
    }
    spare = np.flatnonzero(eligible & ~np.isin(np.arange(n_orders), rated))
    spare_keys = SpareKeys(columns={"order_id": orders.id.take(pa.array(spare))}, person_id=orders.person[spare] + 1)
    return TableOut("amazon", "feedback", frame(columns, date[rated], person_id=orders.person[rated] + 1),
                    spare_keys=spare_keys)
