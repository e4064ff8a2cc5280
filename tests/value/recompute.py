"""Independent pandas recomputation of the value marts (LTV, RFM, cohorts) from the facts.

Reads only ``marts.fct_orders``, ``marts.fct_order_lines`` and ``marts.customer_source_map`` (the
documented interfaces) plus the configuration (``value_fx_rates``, ``seeds/rfm_segments.csv``)
and recomputes what the dbt models should hold, with money as ``Decimal`` so the comparison can
be exact. The definitions are written out here a second time on purpose, from the model
documentation, not from the SQL.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pandas as pd

CENT = Decimal("0.01")
SEGMENTS_CSV = Path(__file__).resolve().parents[2] / "seeds" / "rfm_segments.csv"


def to_reporting(amount: Decimal | None, currency: str | None, rates: dict[str, float],
                 reporting: str) -> Decimal | None:
    """Amount x static rate of its currency (null currency = reporting currency), rounded half up to cents."""
    if amount is None:
        return None
    rate = rates.get(currency or reporting)
    if rate is None:
        return None
    return (Decimal(str(amount)) * Decimal(str(rate))).quantize(CENT, rounding=ROUND_HALF_UP)


MONEY = ("gross_revenue", "discount_amount", "shipping_amount", "tax_amount", "item_refund_amount",
         "shipping_refund_amount", "tax_refund_amount", "other_refund_amount", "refund_amount", "net_revenue",
         "net_total")


def reporting_money(order: dict, rates: dict[str, float], reporting: str) -> dict[str, Decimal] | None:
    """An order's money in the reporting currency, as customer_orders documents it.

    Each charge and what is left of it is converted (items: gross, after discounts, after item
    refunds; shipping and tax: charged, after their refunds; other refunds alone); discounts and
    refunds are the differences and net_total the sum of the converted parts.
    """
    def amount(name: str) -> Decimal:
        value = order[name]
        return Decimal("0") if value is None else Decimal(str(value))

    def convert(value: Decimal) -> Decimal | None:
        return to_reporting(value, order["currency"], rates, reporting)

    gross = convert(amount("gross_revenue"))
    if gross is None:
        return None
    items_charged = convert(amount("gross_revenue") - amount("discount_amount"))
    net_revenue = convert(amount("net_revenue"))
    shipping, tax = convert(amount("shipping_amount")), convert(amount("tax_amount"))
    shipping_kept = convert(amount("shipping_amount") - amount("shipping_refund_amount"))
    tax_kept = convert(amount("tax_amount") - amount("tax_refund_amount"))
    other = convert(amount("other_refund_amount"))
    assert None not in (items_charged, net_revenue, shipping, tax, shipping_kept, tax_kept, other)
    money = {"gross_revenue": gross, "discount_amount": gross - items_charged, "shipping_amount": shipping,
             "tax_amount": tax, "item_refund_amount": items_charged - net_revenue,
             "shipping_refund_amount": shipping - shipping_kept, "tax_refund_amount": tax - tax_kept,
             "other_refund_amount": other, "net_revenue": net_revenue}
    money["refund_amount"] = (money["item_refund_amount"] + money["shipping_refund_amount"]
                              + money["tax_refund_amount"] + other)
    money["net_total"] = net_revenue + shipping_kept + tax_kept - other
    return money


def frame(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    """A query as a frame of Python objects (Decimal stays Decimal)."""
    cursor = con.execute(sql)
    columns = [d[0] for d in cursor.description]
    return pd.DataFrame(cursor.fetchall(), columns=columns, dtype=object)


def customer_orders(con: duckdb.DuckDBPyConnection, as_of: datetime, rates: dict[str, float],
                    reporting: str) -> pd.DataFrame:
    orders = frame(con, """
        select orders.order_key, map.customer_id, orders.channel_source, orders.currency,
               orders.gross_revenue, orders.discount_amount, orders.shipping_amount, orders.tax_amount,
               orders.item_refund_amount, orders.shipping_refund_amount, orders.tax_refund_amount,
               orders.other_refund_amount, orders.net_revenue, orders.is_cancelled, orders.ordered_at
        from marts.fct_orders as orders
        inner join marts.customer_source_map as map
            on map.source_system = orders.actor_source_system
            and map.source_entity = orders.actor_entity
            and map.source_key = orders.actor_key
    """)
    orders = orders[(orders["ordered_at"] <= as_of) & ~orders["is_cancelled"].fillna(False).astype(bool)].copy()
    converted = [reporting_money(row, rates, reporting) for row in orders.to_dict("records")]
    for column in MONEY:
        orders[column] = [money[column] if money else None for money in converted]
    lines = frame(con, """
        select order_key, quantity, refunded_quantity, unit_cost, unit_cost_currency from marts.fct_order_lines
    """)
    lines["cost"] = [
        None if cost is None else to_reporting(Decimal(q - (r or 0)) * cost, currency, rates, reporting)
        for q, r, cost, currency in zip(lines["quantity"], lines["refunded_quantity"], lines["unit_cost"],
                                        lines["unit_cost_currency"], strict=True)]
    by_order = lines.groupby("order_key").agg(
        product_cost=("cost", lambda c: sum((x for x in c if x is not None), Decimal("0")) if c.notna().any()
                      else None),
        lines_without_cost=("cost", lambda c: int(c.isna().sum())))
    orders = orders.merge(by_order, left_on="order_key", right_index=True, how="left")
    complete = orders["lines_without_cost"].fillna(1).eq(0)
    orders["gross_margin"] = [n - c if ok else None
                              for n, c, ok in zip(orders["net_revenue"], orders["product_cost"], complete, strict=True)]
    orders = orders.sort_values(["customer_id", "ordered_at", "order_key"]).reset_index(drop=True)
    orders["order_number"] = orders.groupby("customer_id").cumcount() + 1
    return orders


def _day(value: pd.Series | datetime) -> pd.Series | pd.Timestamp:
    return pd.to_datetime(value).dt.normalize() if isinstance(value, pd.Series) else pd.Timestamp(value).normalize()


def days_between(start: pd.Series | datetime, end: datetime | pd.Series) -> pd.Series:
    """Date boundaries crossed from start to end (DuckDB's date_diff('day', ...))."""
    return (_day(end) - _day(start)).dt.days


def distribution_score(values: pd.Series, buckets: int, higher_is_better: bool = True) -> pd.Series:
    """1 + floor(buckets x share of rows with a strictly worse value): equal values, equal score."""
    n = len(values)
    ordered = sorted(values.tolist(), reverse=not higher_is_better)
    worse: dict[object, int] = {}
    for position, value in enumerate(ordered):
        worse.setdefault(value, position)
    return values.map(lambda v: 1 + (buckets * worse[v]) // n)


def ltv(orders: pd.DataFrame, as_of: datetime) -> pd.DataFrame:
    def money_sum(values: pd.Series) -> Decimal | None:
        present = [v for v in values if v is not None and not pd.isna(v)]
        return sum(present, Decimal("0")) if present else None

    grouped = orders.groupby("customer_id")
    out = pd.DataFrame({
        "orders_count": grouped.size(),
        "channels_count": grouped["channel_source"].nunique(),
        "gross_revenue": grouped["gross_revenue"].agg(money_sum),
        **{column: grouped[column].agg(money_sum) for column in MONEY if column != "gross_revenue"},
        "product_cost": grouped["product_cost"].agg(money_sum),
        "gross_margin": grouped["gross_margin"].agg(money_sum),
        "first_order_at": grouped["ordered_at"].min(),
        "last_order_at": grouped["ordered_at"].max(),
    })
    out["first_order_channel"] = orders[orders["order_number"] == 1].set_index("customer_id")["channel_source"]
    out["average_order_value"] = [float(n) / c for n, c in zip(out["net_revenue"], out["orders_count"], strict=True)]
    out["tenure_days"] = days_between(out["first_order_at"], as_of)
    out["days_since_last_order"] = days_between(out["last_order_at"], as_of)
    span = days_between(out["first_order_at"], out["last_order_at"])
    out["average_days_between_orders"] = [float(s) / (c - 1) if c > 1 else None
                                          for s, c in zip(span, out["orders_count"], strict=True)]
    out["orders_per_year"] = [c * 365.0 / max(t, 365) for c, t in zip(out["orders_count"], out["tenure_days"],
                                                                       strict=True)]
    out = out.reset_index()
    out["ltv_decile"] = distribution_score(out["net_revenue"], 10)
    return out.set_index("customer_id").sort_index()


def ltv_by_channel(orders: pd.DataFrame) -> pd.DataFrame:
    grouped = orders.groupby(["customer_id", "channel_source"])
    out = pd.DataFrame({
        "orders_count": grouped.size(),
        "net_revenue": grouped["net_revenue"].agg(lambda v: sum(v, Decimal("0"))),
        "first_order_at": grouped["ordered_at"].min(),
        "last_order_at": grouped["ordered_at"].max(),
    })
    return out.sort_index()


def rfm(customer_ltv: pd.DataFrame) -> pd.DataFrame:
    base = customer_ltv.reset_index()[["customer_id", "days_since_last_order", "orders_count", "net_revenue"]].copy()
    base["r_score"] = distribution_score(base["days_since_last_order"], 5, higher_is_better=False)
    base["f_score"] = distribution_score(base["orders_count"], 5)
    base["m_score"] = distribution_score(base["net_revenue"], 5)
    rules = pd.read_csv(SEGMENTS_CSV).sort_values("precedence")

    def segment(row: pd.Series) -> str | None:
        for rule in rules.itertuples():
            if (rule.r_score_min <= row.r_score <= rule.r_score_max
                    and rule.f_score_min <= row.f_score <= rule.f_score_max
                    and rule.m_score_min <= row.m_score <= rule.m_score_max):
                return rule.rfm_segment
        return None

    base["rfm_segment"] = base.apply(segment, axis=1)
    return base.set_index("customer_id").sort_index()


def months_between(start: pd.Series, end: pd.Series | pd.Timestamp) -> pd.Series:
    start = pd.to_datetime(start)
    if isinstance(end, pd.Series):
        end = pd.to_datetime(end)
        return (end.dt.year - start.dt.year) * 12 + (end.dt.month - start.dt.month)
    return (end.year - start.dt.year) * 12 + (end.month - start.dt.month)


def cohorts(orders: pd.DataFrame, as_of: datetime, dimension: str | None = None) -> pd.DataFrame:
    """The long cohort table, keyed by cohort_month (date), [dimension], months_since_first_order."""
    firsts = orders[orders["order_number"] == 1].set_index("customer_id")
    orders = orders.copy()
    orders["cohort_month"] = pd.to_datetime(orders["customer_id"].map(firsts["ordered_at"])).dt.to_period("M") \
        .dt.to_timestamp()
    orders["cohort_dimension"] = orders["customer_id"].map(firsts[dimension]) if dimension else "all"
    orders["months_since_first_order"] = months_between(orders["cohort_month"],
                                                        pd.to_datetime(orders["ordered_at"]).dt.to_period("M")
                                                        .dt.to_timestamp())
    keys = ["cohort_month", "cohort_dimension"]
    sizes = orders[orders["order_number"] == 1].groupby(keys).size().rename("cohort_size")
    activity = orders.groupby([*keys, "months_since_first_order"]).agg(
        active_customers=("customer_id", "nunique"), orders_count=("order_key", "size"),
        net_revenue=("net_revenue", lambda v: sum(v, Decimal("0"))))
    as_of_month = pd.Timestamp(as_of).to_period("M").to_timestamp()
    rows = []
    for (month, dim), size in sizes.items():
        last = (as_of_month.year - month.year) * 12 + (as_of_month.month - month.month)
        cumulative = Decimal("0")
        for offset in range(last + 1):
            found = activity.loc[(month, dim, offset)] if (month, dim, offset) in activity.index else None
            active = int(found["active_customers"]) if found is not None else 0
            revenue = found["net_revenue"] if found is not None else Decimal("0")
            cumulative += revenue
            rows.append({"cohort_month": month.date(), "cohort_dimension": dim, "months_since_first_order": offset,
                         "cohort_size": int(size), "active_customers": active,
                         "retention_rate": active / int(size),
                         "orders_count": int(found["orders_count"]) if found is not None else 0,
                         "net_revenue": revenue, "cumulative_net_revenue": cumulative,
                         "cumulative_revenue_per_customer": float(cumulative) / int(size),
                         "is_partial_month": offset == last})
    return pd.DataFrame(rows)
