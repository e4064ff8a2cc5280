"""Every dashboard number equals the metric it claims (MetricFlow on the serving copy) and its mart.

The tiles are computed by the same functions the pages call (dashboard.data), with the filters the
pages pass, and compared with `cdw metrics` answers carrying the same filters, and with plain SQL.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from cdw.metrics import Metrics, list_metrics
from core.settings import Paths
from dashboard import data


@pytest.fixture(scope="module")
def con(analyst_paths: Paths):
    connection = data.connect(analyst_paths.serving_db)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def metrics(analyst_paths: Paths):
    engine = Metrics(analyst_paths)
    yield engine
    engine.close()


def _window(filters: data.Filters) -> list[str]:
    return [f"{{{{ TimeDimension('metric_time', 'day') }}}} >= '{filters.start.isoformat()}'",
            f"{{{{ TimeDimension('metric_time', 'day') }}}} <= '{filters.end.isoformat()}'"]


def _one(metrics: Metrics, names: list[str], where: list[str]) -> dict[str, float]:
    frame = metrics.query(names, where=where)
    return {name: float(frame[name].iloc[0]) if frame[name].iloc[0] is not None else None for name in names}


def test_the_semantic_layer_defines_at_least_fifteen_metrics(analyst_paths: Paths):
    names = {m.name for m in list_metrics(analyst_paths)}
    assert len(names) >= 15
    assert {"gross_revenue", "net_revenue", "orders", "average_order_value", "customers", "new_customers",
            "returning_customers", "repeat_purchase_rate", "cohort_retention_rate", "historical_ltv",
            "predicted_clv", "churn_rate", "email_attributed_revenue_share", "cart_recovery_revenue",
            "return_rate", "identity_match_rate"} <= names


@pytest.mark.parametrize("channels", [(), ("Amazon",)], ids=["all channels", "Amazon"])
def test_overview_order_tiles_equal_their_metrics(con, metrics, channels):
    filters = data.Filters(**{**data.default_filters(data.filter_choices(con)).__dict__, "channels": channels})
    tiles = data.order_tiles(con, filters)
    where = _window(filters)
    if channels:
        where.append("{{ Dimension('order__channel') }} in (" + ", ".join(f"'{c}'" for c in channels) + ")")
    names = ["net_revenue", "gross_revenue", "orders", "average_order_value", "customers", "new_customers",
             "returning_customers"]
    expected = _one(metrics, names, where)
    for name in names:
        assert tiles[name] == pytest.approx(expected[name], rel=1e-9), name
    assert tiles["orders"] > 0


def test_overview_daily_and_customer_tiles_equal_their_metrics(con, metrics):
    filters = data.default_filters(data.filter_choices(con))
    daily = data.daily_tiles(con, filters)
    expected = _one(metrics, ["email_attributed_revenue_share", "cart_recovery_revenue", "return_rate"],
                    _window(filters))
    for name, value in expected.items():
        assert daily[name] == pytest.approx(value, rel=1e-9), name
    customers = data.customer_tiles(con, filters)
    expected = _one(metrics, ["historical_ltv", "predicted_clv", "repeat_purchase_rate", "churn_rate"], [])
    for name, value in expected.items():
        assert customers[name] == pytest.approx(value, rel=1e-9), name


def test_identity_match_rate_tile_equals_the_metric_and_the_mart(con, metrics):
    shown = data.identity_match_rate(con)
    as_of = con.execute("select max(kpi_date) from analytics.kpi_daily").fetchone()[0]
    frame = metrics.query(["identity_match_rate"], ["metric_time__day"],
                          where=[f"{{{{ TimeDimension('metric_time', 'day') }}}} = '{as_of}'"])
    assert shown == pytest.approx(float(frame["identity_match_rate"].iloc[0]), rel=1e-6)
    assert shown == pytest.approx(data.daily_tiles(con, data.Filters(as_of, as_of))["identity_match_rate"])


def test_cohort_heatmap_equals_the_retention_metric_and_flags_the_partial_month(con, metrics):
    choices = data.filter_choices(con)
    heatmap = data.cohort_heatmap(con, data.Filters(choices["first_day"], choices["last_day"]))
    frame = metrics.query(["cohort_retention_rate"], ["cohorts__cohort_month__month",
                                                      "cohorts__months_since_first_order"])
    expected = {(row[0].date(), int(row[1])): row[2] for row in frame.itertuples(index=False)}
    for row in heatmap.itertuples(index=False):
        key = (row.cohort_month.date() if hasattr(row.cohort_month, "date") else row.cohort_month,
               int(row.months_since_first_order))
        assert row.retention_rate == pytest.approx(expected[key])
    partial = heatmap[heatmap["is_partial_month"]]
    assert len(partial) == heatmap["cohort_month"].nunique()  # one partial (as-of) month per cohort
    triangle = con.execute("select count(*) from analytics.cohort_retention_triangle where is_partial_month"
                           ).fetchone()[0]
    assert triangle == int((partial["months_since_first_order"] <= 24).sum())  # within the triangle's columns


def test_ltv_by_channel_and_funnel_equal_their_metrics_and_marts(con, metrics):
    filters = data.default_filters(data.filter_choices(con))
    shown = data.ltv_by_channel(con, filters).set_index("acquisition_channel")["historical_ltv"]
    frame = metrics.query(["historical_ltv"], ["customer__acquisition_channel"]).dropna()
    for channel, value in frame.itertuples(index=False):
        assert shown[channel] == pytest.approx(value, rel=1e-9)
    funnel = data.lifecycle_funnel(con, filters)
    assert list(funnel["lifecycle_stage"]) == [s for s in data.LIFECYCLE_ORDER if s in set(funnel["lifecycle_stage"])]
    assert funnel["customers"].sum() == con.execute("select count(*) from analytics.customer_value").fetchone()[0]
    churned = int(funnel.set_index("lifecycle_stage")["customers"].get("churned", 0))
    assert churned == _one(metrics, ["churned_customers"], [])["churned_customers"]


def test_the_dashboard_reads_the_serving_copy_read_only(analyst_paths: Paths, con):
    with pytest.raises(duckdb.Error, match="read-only"):
        con.execute("create table analytics.scratch as select 1")
    assert data.filter_choices(con)["channels"]
    assert isinstance(data.default_filters(data.filter_choices(con)).start, date)
