"""fct_events and fct_orders against the demo generator's truth, exactly.

The expected figures are recomputed here from the generator's vendor files, keeping only the
rows the truth marks ``valid`` (the latest version of each real record: no re-deliveries, no
superseded versions, no junk), with this module's own reading of the event language and of the
channel rules. Nothing here reads the dbt models' logic.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
import pytest

from tests.transformations.conftest import AS_OF, TransformationsDemo, query

# Vendor events that are canonical events, by the analysts' event language.
PIXEL_EVENTS = {"product_viewed": "Viewed Product", "product_added_to_cart": "Added To Cart",
                "checkout_started": "Started Checkout"}
KLAVIYO_METRICS = {"Received Email": "Received Email", "Opened Email": "Opened Email",
                   "Clicked Email": "Clicked Email", "Subscribed to List": "Subscribed",
                   "Unsubscribed": "Unsubscribed", "Unsubscribed from List": "Unsubscribed"}
# Marketing channel of a store order from its landing page's UTM parameters: the source decides,
# else the medium, else it is the store's own traffic (DTC).
CHANNEL_BY_UTM_SOURCE = {"klaviyo": "email", "mailchimp": "email", "facebook": "social", "instagram": "social",
                         "tiktok": "social", "pinterest": "social", "twitter": "social", "x": "social",
                         "youtube": "social", "ebay": "marketplace", "etsy": "marketplace",
                         "walmart": "marketplace", "zendesk": "support"}
CHANNEL_BY_UTM_MEDIUM = {"email": "email", "newsletter": "email", "social": "social", "paid_social": "social",
                         "social_paid": "social", "marketplace": "marketplace", "support": "support",
                         "cpc": "DTC", "organic": "DTC", "referral": "DTC"}
CANONICAL_EVENTS = {"Viewed Product", "Added To Cart", "Started Checkout", "Placed Order", "Fulfilled Order",
                    "Requested Refund", "Left Review", "Subscribed", "Unsubscribed", "Support Ticket Created",
                    "Received Email", "Opened Email", "Clicked Email"}
CUTOFF = pd.Timestamp(AS_OF, tz="UTC")


class Truth:
    """Valid vendor rows of the demo, per system and table."""

    def __init__(self, landing: Path, truth: Path) -> None:
        self.landing = landing
        self.rows = pd.read_parquet(truth / "rows.parquet")

    def valid(self, system: str, table: str) -> pd.DataFrame:
        frame = pd.read_parquet(self.landing / system / f"{table}.parquet")
        rows = self.rows[(self.rows["system"] == system) & (self.rows["table"] == table)]
        keep = np.sort(rows.loc[rows["kind"] == "valid", "row_number"].to_numpy())
        assert len(rows) == len(frame), f"{system}.{table}: truth and vendor file disagree on row count"
        return frame.iloc[keep].reset_index(drop=True)


def happened(values: pd.Series) -> pd.Series:
    """True where a vendor timestamp is set and not after ``as_of``."""
    stamps = pd.to_datetime(values, utc=True, format="ISO8601")
    return stamps.notna() & (stamps <= CUTOFF)


def cents(value: object) -> int:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return 0
    return int(Decimal(str(value)) * 100)


def store_channel(landing_site: object) -> str:
    if not isinstance(landing_site, str) or not landing_site:
        return "DTC"
    query_string = parse_qs(urlsplit(landing_site).query)
    source = (query_string.get("utm_source") or [""])[0].lower()
    medium = (query_string.get("utm_medium") or [""])[0].lower()
    return CHANNEL_BY_UTM_SOURCE.get(source) or CHANNEL_BY_UTM_MEDIUM.get(medium) or "DTC"


def expected_event_counts(truth: Truth) -> Counter:
    counts: Counter = Counter()
    pixel = truth.valid("shopify", "pixel_events")
    pixel = pixel[happened(pixel["timestamp"])]
    for name, canonical in PIXEL_EVENTS.items():
        counts[canonical] += int((pixel["name"] == name).sum())

    store_orders = truth.valid("shopify", "orders")
    store_orders = store_orders[happened(store_orders["created_at"])]
    counts["Placed Order"] += len(store_orders)
    counts["Fulfilled Order"] += int(happened(store_orders["fulfilled_at"]).sum())
    refunds = truth.valid("shopify", "refunds")
    counts["Requested Refund"] += int(happened(refunds["created_at"]).sum())

    amazon_orders = truth.valid("amazon", "orders")
    amazon_orders = amazon_orders[happened(amazon_orders["PurchaseDate"])]
    counts["Placed Order"] += len(amazon_orders)
    merchant_shipped = ((amazon_orders["FulfillmentChannel"] == "MFN") & (amazon_orders["OrderStatus"] == "Shipped")
                        & happened(amazon_orders["LastUpdateDate"]))
    counts["Fulfilled Order"] += int(merchant_shipped.sum())
    shipments = truth.valid("amazon", "fba_shipments")
    shipments = shipments[happened(shipments["shipment-date"])]
    counts["Fulfilled Order"] += len(shipments[["amazon-order-id", "shipment-id"]].drop_duplicates())
    returns = truth.valid("amazon", "returns")
    counts["Requested Refund"] += int(happened(returns["return-date"]).sum())
    feedback = truth.valid("amazon", "feedback")
    counts["Left Review"] += int(happened(feedback["Date"]).sum())

    metrics = truth.valid("klaviyo", "metrics").set_index("id")["attributes__name"]
    events = truth.valid("klaviyo", "events")
    events = events[happened(events["attributes__datetime"])]
    names = events["relationships__metric__data__id"].map(metrics)
    for name, canonical in KLAVIYO_METRICS.items():
        counts[canonical] += int((names == name).sum())

    tickets = truth.valid("zendesk", "tickets")
    counts["Support Ticket Created"] += int(happened(tickets["created_at"]).sum())
    return Counter({name: count for name, count in counts.items() if count})


def expected_net_revenue(truth: Truth) -> dict[tuple[str, str], Decimal]:
    """Net merchandise revenue (gross - discounts - refunds; 0 if cancelled) per channel and currency."""
    net: Counter = Counter()

    orders = truth.valid("shopify", "orders")
    orders = orders[happened(orders["created_at"])]
    lines = truth.valid("shopify", "orders__line_items")
    line_net = lines["price"].map(cents) * lines["quantity"] - lines["total_discount"].map(cents)
    merchandise = line_net.groupby(lines["order_id"]).sum()
    refunds = truth.valid("shopify", "refunds")
    refunds = refunds[happened(refunds["created_at"])]
    refund_lines = truth.valid("shopify", "refunds__refund_line_items").merge(
        refunds[["id", "order_id"]].rename(columns={"id": "refund_id"}), on="refund_id")
    refunded = refund_lines["subtotal"].map(cents).groupby(refund_lines["order_id"]).sum()
    for order in orders.itertuples(index=False):
        cancelled = isinstance(order.cancelled_at, str) and happened(pd.Series([order.cancelled_at])).iloc[0]
        value = 0 if cancelled else int(merchandise.get(order.id, 0)) - int(refunded.get(order.id, 0))
        net[(store_channel(order.landing_site), order.currency)] += value

    orders = truth.valid("amazon", "orders")
    orders = orders[happened(orders["PurchaseDate"])]
    items = truth.valid("amazon", "order_items")
    items["net"] = items["ItemPrice__Amount"].map(cents) - items["PromotionDiscount__Amount"].map(cents)
    merchandise = items.groupby("AmazonOrderId")["net"].sum()
    item_currency = items.groupby("AmazonOrderId")["ItemPrice__CurrencyCode"].max()
    returns = truth.valid("amazon", "returns")
    returns = returns[happened(returns["return-date"])]
    refunded = amazon_item_refunds(items, returns)
    for order in orders.itertuples(index=False):
        cancelled = order.OrderStatus == "Canceled"
        currency = order.OrderTotal__CurrencyCode
        if not isinstance(currency, str):  # pending orders have no total yet: the items' currency
            currency = item_currency.get(order.AmazonOrderId)
        value = 0 if cancelled else int(merchandise.get(order.AmazonOrderId, 0)) - int(
            refunded.get(order.AmazonOrderId, 0))
        net[("Amazon", currency)] += value
    return {key: Decimal(value) / 100 for key, value in net.items()}


def amazon_item_refunds(items: pd.DataFrame, returns: pd.DataFrame) -> Counter:
    """Cents refunded for items per Amazon order, as the documentation of fct_returns says.

    The returns report names order and SKU: returned units fill the order's items of that SKU in
    OrderItemId order, earliest return first; a line's returned units are worth cumulative shares
    of its price after promotion (rounded half up), so all of a line's units add up to the line;
    units beyond those sold are worth nothing.
    """
    def share(net: int, units: int, ordered: int) -> int:
        return (2 * net * units + ordered) // (2 * ordered)

    lines: dict[tuple[str, str], list[list[int]]] = {}
    for item in items.sort_values("OrderItemId").itertuples(index=False):
        lines.setdefault((item.AmazonOrderId, item.SellerSKU), []).append([int(item.QuantityOrdered), int(item.net), 0])
    refunded: Counter = Counter()
    ordered_returns = returns.assign(at=pd.to_datetime(returns["return-date"], utc=True, format="ISO8601"))
    for unit in ordered_returns.sort_values(["at", "license-plate-number"]).itertuples(index=False):
        order_id, quantity = unit[ordered_returns.columns.get_loc("order-id")], int(unit.quantity)
        for line in lines.get((order_id, unit.sku), []):
            ordered, net, done = line
            if done >= ordered:
                continue
            valued = min(quantity, ordered - done)  # a row's units are valued on the line of its first unit
            refunded[order_id] += share(net, done + valued, ordered) - share(net, done, ordered)
            line[2] = done + valued
            break
    return refunded


@pytest.fixture(scope="module")
def truth(demo: TransformationsDemo) -> Truth:
    return Truth(demo.landing, demo.truth)


def test_event_counts_match_the_truth_exactly(demo: TransformationsDemo, truth: Truth) -> None:
    expected = expected_event_counts(truth)
    built = Counter(dict(query(demo.full.build_db,
                               "select event_name, count(*) from marts.fct_events group by event_name")))
    assert set(expected) == CANONICAL_EVENTS, "the demo should exercise every canonical event"
    assert built == expected


def test_net_revenue_per_channel_matches_the_truth_exactly(demo: TransformationsDemo, truth: Truth) -> None:
    expected = expected_net_revenue(truth)
    built = {(channel, currency): amount for channel, currency, amount in query(demo.full.build_db, """
        select channel_source, currency, sum(net_revenue) from marts.fct_orders group by all
    """)}
    assert {"Amazon", "DTC", "email", "social"} <= {channel for channel, _ in expected}
    assert built == expected


def test_order_lines_add_up_to_their_orders(demo: TransformationsDemo) -> None:
    mismatched = query(demo.full.build_db, """
        select orders.order_key
        from marts.fct_orders as orders
        left join (
            select order_key, sum(gross_revenue) as gross, sum(discount_amount) as discount,
                sum(item_refund_amount) as item_refund, sum(tax_refund_amount) as tax_refund,
                sum(net_revenue) as net
            from marts.fct_order_lines group by order_key
        ) as lines on orders.order_key = lines.order_key
        where orders.gross_revenue <> coalesce(lines.gross, 0)
            or orders.discount_amount <> coalesce(lines.discount, 0)
            or orders.item_refund_amount <> coalesce(lines.item_refund, 0)
            or orders.tax_refund_amount <> coalesce(lines.tax_refund, 0)
            or orders.net_revenue <> coalesce(lines.net, 0)
    """)
    assert mismatched == []
    refunds = query(demo.full.build_db, """
        select (select sum(refund_amount) from marts.fct_returns), (select sum(refund_amount) from marts.fct_orders)
    """)[0]
    assert refunds[0] == refunds[1]


def test_order_money_adds_up_and_refunds_stay_within_charges(demo: TransformationsDemo) -> None:
    broken = query(demo.full.build_db, """
        select order_key from marts.fct_orders
        where refund_amount <> item_refund_amount + shipping_refund_amount + tax_refund_amount + other_refund_amount
            or net_revenue <> case when is_cancelled then 0
                else gross_revenue - discount_amount - item_refund_amount end
            or net_total <> case when is_cancelled then 0 else net_revenue + coalesce(shipping_amount, 0)
                + coalesce(tax_amount, 0) - shipping_refund_amount - tax_refund_amount - other_refund_amount end
            or item_refund_amount > gross_revenue - discount_amount
            or tax_refund_amount > coalesce(tax_amount, 0)
            or net_revenue < 0
    """)
    assert broken == []
    beyond = query(demo.full.build_db, """
        select count(*) from marts.fct_orders where not is_cancelled and refund_amount > gross_revenue - discount_amount
    """)[0][0]
    assert beyond > 0, "the demo has returns refunded with their tax: refunds beyond the item revenue"
