"""Segments: the RFM grid with counts and revenue, the RFM segments and the lifecycle funnel."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data
from dashboard.context import chart, current

TITLE, ICON, URL = "RFM & lifecycle", ":material/groups:", "segments"
READS = ("customer_rfm", "customer_value")  # marts read (dbt exposures)


def render() -> None:
    ctx = current()
    st.title("RFM segments and lifecycle")
    left, right = st.columns([3, 2])
    with left:
        st.subheader("RFM grid")
        st.caption("Customers per recency x frequency score (the number in each cell); colour: their net revenue.")
        chart(charts.rfm_grid(data.rfm_grid(ctx.con, ctx.filters)), "rfm grid")
    with right:
        st.subheader("RFM segments")
        segments = data.rfm_segments(ctx.con, ctx.filters)
        st.dataframe(segments, hide_index=True, column_config={
            "rfm_segment": "segment", "customers": st.column_config.NumberColumn(format="localized"),
            "net_revenue": st.column_config.NumberColumn("net revenue", format="dollar"),
            "net_revenue_per_customer": st.column_config.NumberColumn("per customer", format="dollar")})
    st.subheader("Lifecycle funnel")
    st.caption("Customers per lifecycle stage as of the as-of; the colour is the reporting status each stage "
               "rolls up to (new, active, at_risk -> active; lapsed, churned -> lapsed).")
    chart(charts.lifecycle_funnel(data.lifecycle_funnel(ctx.con, ctx.filters)), "lifecycle funnel")
