"""Altair charts of the dashboard: each takes a frame from :mod:`dashboard.data` and returns a chart."""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboard.data import LIFECYCLE_ORDER

BRAND = "#2F6F73"
ACCENT = "#E07A5F"
CHANNEL_COLORS = alt.Scale(scheme="tableau10")
STATUS_COLORS = alt.Scale(domain=["prospect", "active", "lapsed"], range=["#9AA5B1", BRAND, ACCENT])


def monthly_revenue(frame: pd.DataFrame) -> alt.Chart:
    base = alt.Chart(frame).encode(x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y")))
    bars = base.mark_bar(color=BRAND, opacity=0.85, size=14, cornerRadiusTopLeft=2, cornerRadiusTopRight=2).encode(
        y=alt.Y("net_revenue:Q", title="Net revenue", axis=alt.Axis(format="$,.0f")),
        tooltip=[alt.Tooltip("month:T", format="%B %Y"), alt.Tooltip("net_revenue:Q", format="$,.0f"),
                 alt.Tooltip("orders:Q", format=","), alt.Tooltip("average_order_value:Q", format="$,.2f")])
    line = base.mark_line(color=ACCENT, point=True, strokeWidth=2).encode(
        y=alt.Y("orders:Q", title="Orders", axis=alt.Axis(titleColor=ACCENT)))
    return alt.layer(bars, line).resolve_scale(y="independent").properties(height=280)


def revenue_by_channel(frame: pd.DataFrame) -> alt.Chart:
    return alt.Chart(frame).mark_area(opacity=0.85).encode(
        x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y")),
        y=alt.Y("net_revenue:Q", stack=True, title="Net revenue", axis=alt.Axis(format="$,.0f")),
        color=alt.Color("channel:N", scale=CHANNEL_COLORS, title="Channel"),
        tooltip=["channel", alt.Tooltip("month:T", format="%B %Y"), alt.Tooltip("net_revenue:Q", format="$,.0f")],
    ).properties(height=280)


def retention_heatmap(frame: pd.DataFrame) -> alt.Chart:
    data = frame.assign(cohort=pd.to_datetime(frame["cohort_month"]).dt.strftime("%Y-%m"),
                        label=[f"{100 * r:.0f}%" + ("*" if p else "") for r, p in
                               zip(frame["retention_rate"], frame["is_partial_month"], strict=True)])
    base = alt.Chart(data).encode(
        x=alt.X("months_since_first_order:O", title="Months since first order", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("cohort:O", title="Cohort (first-order month)", sort="descending",
                axis=alt.Axis(labelOverlap=False)))
    cells = base.mark_rect().encode(
        color=alt.condition(alt.datum.months_since_first_order == 0, alt.value("#DDE6E7"),
                            alt.Color("retention_rate:Q", title="Retention", scale=alt.Scale(scheme="teals"),
                                      legend=alt.Legend(format=".0%"))),
        tooltip=["cohort", "months_since_first_order", alt.Tooltip("cohort_size:Q", format=","),
                 alt.Tooltip("active_customers:Q", format=","), alt.Tooltip("retention_rate:Q", format=".1%"),
                 alt.Tooltip("is_partial_month:N", title="partial month")])
    partial = base.transform_filter(alt.datum.is_partial_month).mark_rect(
        fill=None, stroke=ACCENT, strokeWidth=2, strokeDash=[3, 2])
    text = base.mark_text(fontSize=9).encode(
        text="label:N",
        color=alt.condition(alt.datum.retention_rate > 0.5, alt.value("white"), alt.value("#333")))
    height = max(260, 26 * data["cohort"].nunique())
    return alt.layer(cells, partial, text).properties(height=height)


def ltv_curves(frame: pd.DataFrame, series: str, title: str) -> alt.Chart:
    data = frame.copy()
    if series == "cohort_month":
        data["cohort"] = pd.to_datetime(data["cohort_month"]).dt.strftime("%Y-%m")
        series = "cohort"
    return alt.Chart(data).mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=2).encode(
        x=alt.X("months_since_first_order:Q", title="Months since first order"),
        y=alt.Y("cumulative_revenue_per_customer:Q", title="Net revenue per customer (cumulative)",
                axis=alt.Axis(format="$,.0f")),
        color=alt.Color(f"{series}:N", title=title,
                        scale=CHANNEL_COLORS if series != "cohort" else alt.Scale(scheme="viridis")),
        tooltip=[series, "months_since_first_order",
                 alt.Tooltip("cumulative_revenue_per_customer:Q", format="$,.2f")],
    ).properties(height=300)


def ltv_bars(frame: pd.DataFrame) -> alt.Chart:
    return alt.Chart(frame).mark_bar(color=BRAND).encode(
        y=alt.Y("acquisition_channel:N", sort="-x", title="Acquisition channel"),
        x=alt.X("historical_ltv:Q", title="Historical LTV per customer", axis=alt.Axis(format="$,.0f")),
        tooltip=["acquisition_channel", alt.Tooltip("customers:Q", format=","),
                 alt.Tooltip("historical_ltv:Q", format="$,.2f"), alt.Tooltip("predicted_clv:Q", format="$,.2f")],
    ).properties(height=220)


def rfm_grid(frame: pd.DataFrame) -> alt.Chart:
    base = alt.Chart(frame).encode(
        x=alt.X("f_score:O", title="Frequency score (1 = once, 5 = most often)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("r_score:O", title="Recency score (5 = most recent)", sort="descending"))
    cells = base.mark_rect(cornerRadius=3).encode(
        color=alt.Color("net_revenue:Q", title="Net revenue", scale=alt.Scale(scheme="goldgreen"),
                        legend=alt.Legend(format="$,.0f")),
        tooltip=["r_score", "f_score", alt.Tooltip("customers:Q", format=","),
                 alt.Tooltip("net_revenue:Q", format="$,.0f")])
    text = base.mark_text(fontSize=12, fontWeight="bold").encode(text=alt.Text("customers:Q", format=","))
    return alt.layer(cells, text).properties(height=300)


def lifecycle_funnel(frame: pd.DataFrame) -> alt.Chart:
    base = alt.Chart(frame).encode(
        y=alt.Y("lifecycle_stage:N", sort=list(LIFECYCLE_ORDER), title="Lifecycle stage"),
        x=alt.X("customers:Q", title="Customers"))
    bars = base.mark_bar(cornerRadiusEnd=3).encode(
        color=alt.Color("customer_status:N", scale=STATUS_COLORS, title="Reports as (customer_status)"),
        tooltip=["lifecycle_stage", "customer_status", alt.Tooltip("customers:Q", format=","),
                 alt.Tooltip("historical_ltv:Q", format="$,.0f")])
    text = base.mark_text(align="left", dx=4).encode(text=alt.Text("customers:Q", format=","))
    return alt.layer(bars, text).properties(height=260)


def clv_histogram(frame: pd.DataFrame) -> alt.Chart:
    cap = float(frame["predicted_clv"].quantile(0.99)) if not frame.empty else 0.0
    data = frame.assign(predicted_clv_capped=frame["predicted_clv"].clip(upper=cap))
    return alt.Chart(data).mark_bar(color=BRAND).encode(
        x=alt.X("predicted_clv_capped:Q", bin=alt.Bin(maxbins=40), title="Predicted CLV (top 1% folded in)",
                axis=alt.Axis(format="$,.0f")),
        y=alt.Y("count():Q", title="Customers"),
        tooltip=[alt.Tooltip("count():Q", title="customers")],
    ).properties(height=280)


def bar_sizes(frame: pd.DataFrame, category: str, value: str, title: str) -> alt.Chart:
    base = alt.Chart(frame).encode(y=alt.Y(f"{category}:N", sort="-x", title=None),
                                   x=alt.X(f"{value}:Q", title=title))
    return alt.layer(base.mark_bar(color=BRAND, cornerRadiusEnd=3),
                     base.mark_text(align="left", dx=4).encode(text=alt.Text(f"{value}:Q", format=","))
                     ).properties(height=max(160, 28 * len(frame)))


def profile_sizes(frame: pd.DataFrame) -> alt.Chart:
    return alt.Chart(frame).mark_bar(color=BRAND).encode(
        x=alt.X("records_per_profile:N", sort=list(frame["records_per_profile"]), title="Records per profile"),
        y=alt.Y("profiles:Q", title="Profiles"),
        tooltip=["records_per_profile", alt.Tooltip("profiles:Q", format=","), alt.Tooltip("records:Q", format=",")],
    ).properties(height=260)


def match_rates(frame: pd.DataFrame) -> alt.Chart:
    data = frame.assign(metric=frame["metric"].str.replace("_", " "))
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("metric:N", title=None), yOffset="profile_type:N",
        x=alt.X("match_rate:Q", title="Match rate", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("profile_type:N", title="Profiles", scale=alt.Scale(scheme="tableau10")),
        tooltip=["metric", "profile_type", alt.Tooltip("numerator:Q", format=","),
                 alt.Tooltip("denominator:Q", format=","), alt.Tooltip("match_rate:Q", format=".1%")],
    ).properties(height=200)


def checks(frame: pd.DataFrame) -> alt.Chart:
    data = frame.melt(id_vars=["suite", "severity"], value_vars=["passed", "failed"], var_name="outcome",
                      value_name="count")
    data["group"] = data["suite"] + " (" + data["severity"] + ")"
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("group:N", title=None, axis=alt.Axis(labelOverlap=False)),
        x=alt.X("count:Q", title="Rules", stack=True),
        color=alt.Color("outcome:N", scale=alt.Scale(domain=["passed", "failed"], range=[BRAND, ACCENT])),
        tooltip=["suite", "severity", "outcome", "count"],
    ).properties(height=max(160, 30 * data["group"].nunique()))
