"""Activation: segment sizes and, per destination, each sync's audience and its last run."""

from __future__ import annotations

import streamlit as st

from activation import ConfigError
from activation import load_config as load_activation_config
from dashboard import charts, data
from dashboard.context import chart, current

TITLE, ICON, URL = "Segments & audiences", ":material/campaign:", "activation"
READS = ("segment_membership", "audience_vips_email", "audience_new_subscribers_email",  # marts: dbt exposures
         "audience_at_risk_lapsed_ads", "audience_abandoned_cart_email", "audience_churned_sms")


def _syncs() -> list[dict]:
    try:
        config = load_activation_config()
    except ConfigError:
        return []
    return [{"name": s.name, "audience": s.audience, "destination": s.destination, "mode": s.mode}
            for s in config.syncs.values()]


def render() -> None:
    ctx = current()
    st.title("Segments and audiences")
    segments = data.segment_sizes(ctx.con)
    st.subheader("Segment sizes")
    st.caption("Customers in each segment (models/marts/value/segment_membership.yml), as of the as-of.")
    chart(charts.bar_sizes(segments, "segment", "customers", "Customers"), "segment sizes")
    st.subheader("Audiences per destination")
    audiences = data.audience_sizes(ctx.con, _syncs())
    if audiences.empty:
        st.info("No sync configured (activation/syncs.yml).")
        return
    st.caption("Each configured sync (activation/syncs.yml): the audience's members now, consent already applied, "
               "and the sync's last run (`cdw sync run`).")
    st.dataframe(audiences, hide_index=True, column_config={
        "members": st.column_config.NumberColumn(format="localized"),
        "last_sync": st.column_config.DatetimeColumn("last sync", format="YYYY-MM-DD HH:mm")})
    chart(charts.bar_sizes(audiences.dropna(subset=["members"]), "sync", "members", "Audience members"),
          "audience sizes")
