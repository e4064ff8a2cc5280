"""Predicted CLV: its distribution, the model run behind it and the top customers."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data
from dashboard import formatting as fmt
from dashboard.context import chart, current

TITLE, ICON, URL = "Predicted CLV", ":material/trending_up:", "clv"
READS = ("customer_value", "customer_clv")  # marts read (dbt exposures)


def render() -> None:
    ctx = current()
    st.title("Predicted customer lifetime value")
    model = data.clv_model(ctx.con)
    scores = data.clv_distribution(ctx.con, ctx.filters)
    tiles = data.customer_tiles(ctx.con, ctx.filters)
    columns = st.columns(4)
    columns[0].metric("Customers scored", fmt.count(len(scores)), border=True, help="metric `scored_customers`")
    columns[1].metric("Predicted CLV (average)", fmt.money(tiles["predicted_clv"]), border=True,
                      help="metric `predicted_clv`")
    columns[2].metric("Predicted CLV (total)", fmt.money(float(scores["predicted_clv"].sum())), border=True,
                      help="metric `predicted_clv_total`")
    columns[3].metric("Model", f"{model['status']}" if model else "not fitted", border=True,
                      help=(f"BG/NBD x Gamma-Gamma as of {model['as_of']}, {model['horizon_months']}-month "
                            f"horizon, {model['n_repeat_buyers']:,} repeat buyers" if model else None))
    st.subheader("Distribution")
    chart(charts.clv_histogram(scores), "clv distribution")
    st.subheader("Top customers by predicted CLV")
    if not ctx.restricted:
        st.caption("Customer ids only: names and e-mail addresses are personal data (start the dashboard with "
                   "`cdw dashboard --restricted` and tick *Show personal data* to see them).")
    top = data.top_customers(ctx.con, ctx.filters, restricted=ctx.restricted)
    st.dataframe(top, hide_index=True, column_config={
        "predicted_clv": st.column_config.NumberColumn("predicted CLV", format="dollar"),
        "historical_ltv": st.column_config.NumberColumn("historical LTV", format="dollar"),
        "probability_alive": st.column_config.ProgressColumn("P(alive)", min_value=0.0, max_value=1.0,
                                                             format="percent")})
