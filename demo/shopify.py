"""Shopify (the DTC store): customers, orders, line items, refunds, abandoned checkouts, products.

Builds the store's records from the persons and the catalog and renders them as the Admin API
returns them: snake_case fields, nested objects flattened with ``__``, timestamps in the shop's
time zone (``2025-03-04T10:11:12-05:00``), money as decimal strings. Pixel events are made in
:mod:`demo.pixel` from the same visits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from demo import refdata
from demo.catalog import BRAND, SHOP_DOMAIN, Catalog
from demo.chunks import WHOLE, Chunk
from demo.frame import TableOut, const, frame, ints
from demo.identity import render_address1, render_name, render_phone, take, vary_case
from demo.people import COUNTRIES, Persons
from demo.shopify_checkouts import Checkouts, make_checkouts
from demo.shopify_customers import Accounts, account_keys, customers_table, make_accounts
from demo.shopify_orders import (
    FULL_REFUND,
    Refunds,
    StoreOrders,
    checkout_tokens,
    make_orders,
    make_refunds,
)
from demo.timeline import Timeline
from demo.vector import HEX, NO_TIME, iso_shop_local, join, money, null_where, pick, random_text, where

SHOP_ID = "60123456789"


@dataclass
class ShopifyData:
    """The store's records, kept for the modules that refer to them (pixel, Klaviyo, Zendesk)."""

    orders: StoreOrders
    refunds: Refunds
    checkouts: Checkouts
    accounts: Accounts
    tables: list[TableOut]


def generate(rng: np.random.Generator, persons: Persons, catalog: Catalog, timeline: Timeline, chunk: Chunk = WHOLE
             ) -> ShopifyData:
    """All Shopify tables except pixel events (the catalog's products and variants in the first chunk only)."""
    # The orders' checkout tokens and shipping names come from a child stream: drawing them from
    # ``rng`` would shift every later draw of the store (and the figures measured on it).
    order_detail_rng = rng.spawn(1)[0]
    main_key, second_key = account_keys(rng, persons)
    orders = make_orders(rng, persons, catalog, timeline, main_key, second_key, chunk)
    refunds = make_refunds(rng, orders, chunk)
    checkouts = make_checkouts(rng, persons, catalog, timeline, orders, main_key, chunk)
    orders.checkout_token = checkout_tokens(order_detail_rng, orders, checkouts.order, checkouts.token)
    accounts = make_accounts(
        rng, persons, timeline,
        activity_key=np.r_[orders.account_key, checkouts.account_key], activity_ts=np.r_[orders.ts, checkouts.ts],
        activity_person=np.r_[orders.person, checkouts.person],
        activity_is_order=np.r_[np.ones(len(orders), bool), np.zeros(len(checkouts), bool)], chunk=chunk)
    tables = [
        customers_table(rng, persons, accounts, timeline),
        orders_table(rng, persons, catalog, orders, accounts, order_detail_rng),
        line_items_table(catalog, orders),
        refunds_table(rng, orders, refunds),
        refund_lines_table(orders, refunds),
        checkouts_table(rng, persons, checkouts, accounts, timeline),
        checkout_lines_table(catalog, checkouts),
        *([products_table(catalog), variants_table(catalog)] if chunk.first else []),
    ]
    return ShopifyData(orders=orders, refunds=refunds, checkouts=checkouts, accounts=accounts, tables=tables)


# ---------------------------------------------------------------- orders


def _order_state(orders: StoreOrders, at: np.ndarray) -> dict[str, pa.Array]:
    """The fields that change over an order's life, as they stood at time ``at``."""
    cancelled = (orders.cancelled_ts != NO_TIME) & (orders.cancelled_ts <= at)
    refunded = (orders.refund_ts != NO_TIME) & (orders.refund_ts <= at)
    fulfilled = (orders.fulfilled_ts != NO_TIME) & (orders.fulfilled_ts <= at)
    financial = np.where(cancelled, 1, np.where(refunded, np.where(orders.refund_kind == FULL_REFUND, 2, 3), 0))
    return {
        "updated_at": iso_shop_local(at),
        "cancelled_at": iso_shop_local(np.where(cancelled, orders.cancelled_ts, NO_TIME)),
        "financial_status": pick(["paid", "voided", "refunded", "partially_refunded"], financial),
        "fulfillment_status": where(fulfilled, pa.scalar("fulfilled"), pa.scalar(None, pa.string())),
        "fulfilled_at": iso_shop_local(np.where(fulfilled, orders.fulfilled_ts, NO_TIME)),
    }


def orders_table(rng: np.random.Generator, persons: Persons, catalog: Catalog, orders: StoreOrders,
                 accounts: Accounts, detail_rng: np.random.Generator) -> TableOut:
    """Orders as the Admin API returns them; a paid/unfulfilled earlier version of changed orders.

    The order's e-mail and customer are its account's (a household sharing an inbox shares them);
    the shipping name is the buyer's own, so household members' orders show who each one is.
    """
    p = orders.person
    ship_first = render_name(detail_rng, take(persons.first_name, p))
    ship_last = render_name(detail_rng, take(persons.last_name, p))
    n = len(orders)
    account = accounts.index_of_key[orders.account_key]
    country = persons.country[p]
    user_agent = pick([ua for ua, _ in refdata.USER_AGENTS], persons.device_ua[orders.device])
    updated = orders.updated_ts
    phone_rng = detail_rng.spawn(1)[0]  # a child stream: the draws of the other columns stay as they were
    columns = {
        "id": ints(orders.id),
        "name": orders.name,
        "email": vary_case(rng, accounts.email.take(pa.array(account)), 0.1),
        "phone": null_where(render_phone(rng, persons, p), rng.random(n) < 0.55),
        "customer__id": ints(accounts.id[account]),
        "created_at": iso_shop_local(orders.ts),
        "processed_at": iso_shop_local(orders.ts),
        "currency": const(n, "USD"),
        "subtotal_price": money(orders.subtotal),
        "total_discounts": money(orders.discounts),
        "total_tax": money(orders.tax),
        "total_shipping_price_set__shop_money__amount": money(orders.shipping),
        "total_price": money(orders.total),
        "source_name": where(orders.web, pa.scalar("web"), pa.scalar("shopify_draft_order")),
        "landing_site": null_where(orders.landing, ~orders.web),
        "referring_site": null_where(orders.referrer, ~orders.web),
        "client_details__user_agent": null_where(user_agent, ~orders.web),
        "checkout_token": orders.checkout_token,
        "shipping_address__first_name": ship_first,
        "shipping_address__last_name": ship_last,
        "shipping_address__name": join(ship_first, " ", ship_last),
        "shipping_address__company": take(persons.company, p),
        "shipping_address__address1": render_address1(rng, persons, p),
        "shipping_address__city": take(persons.city, p),
        "shipping_address__province_code": null_where(take(persons.region, p), country == 2),
        "shipping_address__zip": take(persons.postal_code, p),
        "shipping_address__country_code": pick(COUNTRIES, country),
        **_address_phones(phone_rng, persons, p),
        **_order_state(orders, updated),
    }
    # The buyer pays: billed to the buyer's own name and address (a gift changes only where it ships).
    for part in ("name", "address1", "zip", "country_code"):
        columns[f"billing_address__{part}"] = columns[f"shipping_address__{part}"]
    latest = frame(columns, updated, person_id=p + 1)
    # Earlier version: before the refund (paid, fulfilled) or before fulfilment/cancellation.
    at = np.where(orders.refund_ts != NO_TIME, orders.fulfilled_ts,
                  np.where((orders.fulfilled_ts != NO_TIME) | (orders.cancelled_ts != NO_TIME), orders.ts + 60,
                           NO_TIME))
    candidates = np.flatnonzero((at != NO_TIME) & (at < updated))
    older = frame({**columns, **_order_state(orders, at)}, at, person_id=latest.person_id).take(candidates)
    weight = np.where(orders.refund_ts[candidates] != NO_TIME, 8.0, 1.0)  # paid -> refunded matters most
    return TableOut("shopify", "orders", latest, older=older, older_weight=weight)


def _address_phones(rng: np.random.Generator, persons: Persons, p: np.ndarray) -> dict[str, pa.Array]:
    """The buyer's phone on the shipping and billing addresses, each typed in its own format."""
    n = len(p)
    return {
        "shipping_address__phone": null_where(render_phone(rng, persons, p), rng.random(n) < 0.6),
        "billing_address__phone": null_where(render_phone(rng, persons, p), rng.random(n) < 0.7),
    }


def line_items_table(catalog: Catalog, orders: StoreOrders) -> TableOut:
    v = orders.line_variant
    columns = {
        "id": ints(orders.line_id),
        "order_id": ints(orders.id[orders.line_order]),
        "product_id": ints(catalog.product_id[catalog.variant_product[v]]),
        "variant_id": ints(catalog.variant_id[v]),
        "sku": catalog.variant_sku.take(pa.array(v)),
        "title": catalog.product_title.take(pa.array(catalog.variant_product[v])),
        "quantity": ints(orders.line_qty),
        "price": money(orders.line_price),
        "total_discount": money(orders.line_discount),
    }
    person = orders.person[orders.line_order]
    return TableOut("shopify", "orders__line_items", frame(columns, orders.ts[orders.line_order], person + 1))


def refunds_table(rng: np.random.Generator, orders: StoreOrders, refunds: Refunds) -> TableOut:
    n = len(refunds.id)
    notes = ["Customer returned item", "Damaged in transit", "Wrong size", "Arrived late", None, None]
    columns = {
        "id": ints(refunds.id),
        "order_id": ints(orders.id[refunds.order]),
        "created_at": iso_shop_local(refunds.ts),
        "processed_at": iso_shop_local(refunds.ts),
        "note": pick(notes, rng.integers(0, len(notes), n)),
    }
    return TableOut("shopify", "refunds", frame(columns, refunds.ts, orders.person[refunds.order] + 1))


def refund_lines_table(orders: StoreOrders, refunds: Refunds) -> TableOut:
    columns = {
        "id": ints(refunds.line_id),
        "refund_id": ints(refunds.id[refunds.line_refund]),
        "line_item_id": ints(orders.line_id[refunds.line_item]),
        "quantity": ints(refunds.line_qty),
        "subtotal": money(refunds.line_subtotal),
        "restock_type": pick(["return", "no_restock"], refunds.line_restock),
    }
    order = refunds.order[refunds.line_refund]
    return TableOut("shopify", "refunds__refund_line_items",
                    frame(columns, refunds.ts[refunds.line_refund], orders.person[order] + 1))


# ---------------------------------------------------------------- abandoned checkouts


def checkouts_table(rng: np.random.Generator, persons: Persons, checkouts: Checkouts, accounts: Accounts,
                    timeline: Timeline) -> TableOut:
    """Abandoned checkouts; recovered ones also arrive in their earlier, not-yet-completed version."""
    n = len(checkouts)
    account = accounts.index_of_key[checkouts.account_key]
    subtotal = checkouts.subtotal
    key = random_text(rng, n, 32, HEX)
    columns = {
        "id": ints(checkouts.id),
        "token": checkouts.token,
        "email": accounts.email.take(pa.array(account)),
        "phone": null_where(render_phone(rng, persons, checkouts.person), rng.random(n) < 0.8),
        "customer__id": ints(accounts.id[account]),
        "created_at": iso_shop_local(checkouts.ts),
        "updated_at": iso_shop_local(checkouts.updated_ts),
        "completed_at": iso_shop_local(checkouts.completed_ts),
        "currency": const(n, "USD"),
        "subtotal_price": money(subtotal),
        "total_price": money(subtotal + np.round(subtotal * 0.07).astype(np.int64)),
        "landing_site": checkouts.landing,
        "abandoned_checkout_url": join(f"https://{SHOP_DOMAIN}/{SHOP_ID}/checkouts/", checkouts.token,
                                       "/recover?key=", key),
    }
    latest = frame(columns, checkouts.updated_ts, person_id=checkouts.person + 1)
    recovered = np.flatnonzero(checkouts.completed_ts != NO_TIME)
    at = checkouts.ts + (checkouts.completed_ts - checkouts.ts) // 3
    older = frame({**columns, "updated_at": iso_shop_local(at), "completed_at": pa.nulls(n, pa.string())}, at,
                  person_id=latest.person_id).take(recovered)
    return TableOut("shopify", "abandoned_checkouts", latest, older=older)


def checkout_lines_table(catalog: Catalog, checkouts: Checkouts) -> TableOut:
    v = checkouts.line_variant
    columns = {
        "id": checkouts.line_id,
        "checkout_id": ints(checkouts.id[checkouts.line_checkout]),
        "product_id": ints(catalog.product_id[catalog.variant_product[v]]),
        "variant_id": ints(catalog.variant_id[v]),
        "title": catalog.product_title.take(pa.array(catalog.variant_product[v])),
        "quantity": ints(checkouts.line_qty),
        "price": money(checkouts.line_price),
    }
    parent = checkouts.line_checkout
    return TableOut("shopify", "abandoned_checkouts__line_items",
                    frame(columns, checkouts.ts[parent], checkouts.person[parent] + 1))


# ---------------------------------------------------------------- catalog


def products_table(catalog: Catalog) -> TableOut:
    n = len(catalog.product_id)
    columns = {
        "id": ints(catalog.product_id),
        "title": catalog.product_title,
        "handle": catalog.product_handle,
        "product_type": catalog.product_type,
        "vendor": const(n, BRAND),
        "status": catalog.product_status,
        "tags": catalog.product_tags,
        "created_at": iso_shop_local(catalog.product_created_ts),
        "updated_at": iso_shop_local(catalog.product_updated_ts),
    }
    return TableOut("shopify", "products", frame(columns, catalog.product_updated_ts))


def variants_table(catalog: Catalog) -> TableOut:
    columns = {
        "id": ints(catalog.variant_id),
        "product_id": ints(catalog.product_id[catalog.variant_product]),
        "sku": catalog.variant_sku,
        "title": catalog.variant_title,
        "price": money(catalog.variant_price),
        "inventory_item__cost": money(catalog.variant_cost),
    }
    return TableOut("shopify", "products__variants",
                    frame(columns, catalog.product_updated_ts[catalog.variant_product]))
