"""Cohorts: the retention heatmap (partial months outlined) and LTV curves by cohort and by acquisition channel."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data
from dashboard.context import chart, current

TITLE, ICON, URL = "Cohorts & LTV", ":material/grid_on:", "cohorts"
READS = ("cohort_retention", "cohort_retention_by_channel", "customer_value")  # marts read (dbt exposures)


def render() -> None:
    ctx = current()
    st.title("Cohorts and lifetime value")
    heatmap = data.cohort_heatmap(ctx.con, ctx.filters)
    st.subheader("Retention by first-order month")
    st.caption("Share of each cohort that ordered again N months after its first order (month 0 is the first "
               "order). Cells outlined and marked * are the current, partial month: not final yet.")
    if heatmap.empty:
        st.info("No cohort in the chosen range.")
    else:
        chart(charts.retention_heatmap(heatmap), "retention heatmap")
    left, right = st.columns(2)
    with left:
        st.subheader("LTV curves by cohort")
        st.caption("Cumulative net revenue per customer; the newest 12 cohorts in the range.")
        chart(charts.ltv_curves(data.ltv_curves_by_cohort(ctx.con, ctx.filters), "cohort_month", "Cohort"),
              "ltv by cohort")
    with right:
        st.subheader("LTV curves by acquisition channel")
        st.caption("Cumulative net revenue per customer, cohorts in the range pooled per first-order channel.")
        chart(charts.ltv_curves(data.ltv_curves_by_channel(ctx.con, ctx.filters), "acquisition_channel",
                                "Acquisition channel"), "ltv by channel")
    st.subheader("Historical LTV by acquisition channel")
    chart(charts.ltv_bars(data.ltv_by_channel(ctx.con, ctx.filters)), "ltv bars")
