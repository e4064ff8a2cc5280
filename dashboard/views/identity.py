"""Identity health: match rates, profile sizes, flagged profiles and suggestions waiting for review."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data
from dashboard import formatting as fmt
from dashboard.context import chart, current

TITLE, ICON, URL = "Identity health", ":material/fingerprint:", "identity"
READS = ("identity_match_rate", "identity_cluster_health", "customer_value")  # marts read (dbt exposures)


def render() -> None:
    ctx = current()
    st.title("Identity health")
    flags = data.identity_flags(ctx.con)
    columns = st.columns(4)
    columns[0].metric("Identity match rate", fmt.percent(data.identity_match_rate(ctx.con)), border=True,
                      help="metric `identity_match_rate`: people with records in two or more systems")
    columns[1].metric("Customers", fmt.count(flags["customers"]), border=True)
    columns[2].metric("Profiles flagged", fmt.count(flags["flagged_profiles"]), border=True,
                      help="profiles above the size bound (identity_cluster_health)")
    columns[3].metric("Suggestions waiting", "–" if flags["suggestions_waiting"] is None
                      else fmt.count(flags["suggestions_waiting"]), border=True,
                      help="probable matches waiting for review (identity_match_suggestions, when built)")
    left, right = st.columns(2)
    with left:
        st.subheader("Match rates")
        chart(charts.match_rates(data.identity_match_rates(ctx.con)), "match rates")
    with right:
        st.subheader("Profile sizes")
        chart(charts.profile_sizes(data.profile_sizes(ctx.con)), "profile sizes")
