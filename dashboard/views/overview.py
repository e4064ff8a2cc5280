"""Overview: the KPI tiles with their trend and change against the previous period, revenue by month and channel."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data
from dashboard import formatting as fmt
from dashboard.context import chart, current

TITLE, ICON, URL = "Overview", ":material/monitoring:", "overview"
READS = ("customer_orders", "kpi_daily", "customer_value")  # marts read (dbt exposures)


def render() -> None:
    ctx = current()
    st.title("Overview")
    st.caption(f"Orders from {ctx.filters.start:%d %b %Y} to {ctx.filters.end:%d %b %Y}; "
               "change against the period of the same length before it.")
    now, before = data.order_tiles(ctx.con, ctx.filters), data.order_tiles(ctx.con, ctx.filters.previous())
    trend = data.monthly_trend(ctx.con, ctx.filters)
    spark = {"net_revenue": trend["net_revenue"].round(2).tolist(), "orders": trend["orders"].tolist(),
             "new_customers": trend["new_customers"].tolist(),
             "average_order_value": trend["average_order_value"].round(2).tolist()}
    tiles = [("Net revenue", "net_revenue", fmt.money), ("Orders", "orders", fmt.count),
             ("Average order value", "average_order_value", fmt.money), ("New customers", "new_customers", fmt.count),
             ("Customers", "customers", fmt.count), ("Returning customers", "returning_customers", fmt.count),
             ("Gross revenue", "gross_revenue", fmt.money)]
    columns = st.columns(4)
    for index, (label, key, style) in enumerate(tiles):
        with columns[index % 4]:
            st.metric(label, style(now[key]), fmt.delta(now[key], before[key]), border=True,
                      chart_data=spark.get(key), chart_type="area", help=f"metric `{key}`")
    daily, customers = data.daily_tiles(ctx.con, ctx.filters), data.customer_tiles(ctx.con, ctx.filters)
    previous = data.daily_tiles(ctx.con, ctx.filters.previous())
    with columns[3]:
        share = daily["email_attributed_revenue_share"]
        st.metric("E-mail revenue share", fmt.percent(share),
                  fmt.delta(share, previous["email_attributed_revenue_share"]), border=True,
                  help="metric `email_attributed_revenue_share` (all channels)")
    more = st.columns(4)
    extra = [("Cart recovery revenue", fmt.money(daily["cart_recovery_revenue"]), "cart_recovery_revenue"),
             ("Return rate", fmt.percent(daily["return_rate"]), "return_rate"),
             ("Repeat purchase rate", fmt.percent(customers["repeat_purchase_rate"]), "repeat_purchase_rate"),
             ("Historical LTV", fmt.money(customers["historical_ltv"]), "historical_ltv"),
             ("Predicted CLV", fmt.money(customers["predicted_clv"]), "predicted_clv"),
             ("Churn rate", fmt.percent(customers["churn_rate"]), "churn_rate"),
             ("Active customers", fmt.count(daily["active_customers"]), "active_customers"),
             ("Identity match rate", fmt.percent(daily["identity_match_rate"]), "identity_match_rate")]
    for index, (label, value, key) in enumerate(extra):
        with more[index % 4]:
            st.metric(label, value, border=True, help=f"metric `{key}`")
    st.caption("Cart recovery, returns, e-mail share, active customers and match rate: all channels, in the date "
               "range. Repeat rate, LTV, CLV and churn: customers as of the as-of, by acquisition channel.")
    left, right = st.columns(2)
    with left:
        st.subheader("Net revenue and orders by month")
        chart(charts.monthly_revenue(trend), "monthly revenue")
    with right:
        st.subheader("Net revenue by channel")
        chart(charts.revenue_by_channel(data.revenue_by_channel(ctx.con, ctx.filters)), "revenue by channel")
