"""Data health: the as-of, the last publish, the checks of that run and how fresh the data is."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data
from dashboard import formatting as fmt
from dashboard.context import chart, current

TITLE, ICON, URL = "Data health", ":material/health_and_safety:", "health"
READS = ("kpi_daily", "customer_orders", "fct_events", "fct_returns", "customer_value")  # marts read (dbt exposures)


def _day(value) -> str:
    return "–" if value is None else f"{value:%d %b %Y}"


def _moment(value) -> str:
    return "–" if value is None else f"{value:%d %b %H:%M}"


def render() -> None:
    ctx = current()
    st.title("Data health")
    health = data.data_health(ctx.con)
    columns = st.columns(4)
    columns[0].metric("As of", _day(health["as_of"]), border=True,
                      help="the reference moment of recency, lifecycle and CLV")
    columns[1].metric("Last publish", _moment(health["published_at"]), border=True, help=f"run {health['run_id']}")
    columns[2].metric("Checks passed", f"{fmt.count(health['rules_passed'])} / {fmt.count(health['rules'])}",
                      border=True, help=f"{health['errors']} blocking failures, {health['warnings']} warnings")
    columns[3].metric("Newest order", _day(health["newest_order"]), border=True,
                      help=f"newest event {_moment(health['newest_event'])}")
    left, right = st.columns(2)
    with left:
        st.subheader("Great Expectations rules of the published run")
        chart(charts.checks(data.check_results(ctx.con)), "checks")
    with right:
        st.subheader("Freshness")
        st.dataframe(data.table_freshness(ctx.con), hide_index=True, column_config={
            "rows": st.column_config.NumberColumn(format="localized"),
            "newest": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})
    failed = data.failed_checks(ctx.con)
    st.subheader("Rules that did not pass")
    if failed.empty:
        st.success("Every rule passed.")
    else:
        st.dataframe(failed, hide_index=True)
    st.caption(f"Serving copy: {ctx.serving_db} (read-only). Full rule pages: the GX Data Docs "
               "(`<CDW_HOME>/data_docs/index.html`).")
