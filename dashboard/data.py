"""Every number the dashboard shows, read from the serving copy (read-only) by one function each.

The pages only draw what these functions return, and the tests call the same functions and
compare them with the marts and with the metrics (``cdw metrics``), so a tile can never drift from
the metric it claims. Only the ``analytics`` schema is read, unless the user opted into personal
data (``restricted=True``, started with ``cdw dashboard --restricted``).

Filters: a date range (order days), channels (the order's channel; for customer-level numbers the
acquisition channel) and marketplaces (orders only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

LIFECYCLE_ORDER = ("prospect", "new", "active", "at_risk", "lapsed", "churned")


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    channels: tuple[str, ...] = field(default_factory=tuple)
    marketplaces: tuple[str, ...] = field(default_factory=tuple)

    def previous(self) -> Filters:
        """The period of the same length just before this one (for tile deltas)."""
        days = (self.end - self.start).days + 1
        return Filters(self.start - timedelta(days=days), self.start - timedelta(days=1), self.channels,
                       self.marketplaces)


def connect(serving_db: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the serving copy (never the build warehouse the pipeline writes)."""
    if not serving_db.exists():
        raise FileNotFoundError(f"no serving warehouse at {serving_db}: run `make demo` (or `cdw run`) first")
    return duckdb.connect(str(serving_db), read_only=True)


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def _order_filter(filters: Filters, alias: str = "") -> tuple[str, list]:
    prefix = f"{alias}." if alias else ""
    clauses = [f"{prefix}order_date between ? and ?"]
    params: list = [filters.start, filters.end]
    if filters.channels:
        clauses.append(f"{prefix}channel_source in (select unnest(?::varchar[]))")
        params.append(list(filters.channels))
    if filters.marketplaces:
        clauses.append(f"coalesce({prefix}marketplace, '(own store)') in (select unnest(?::varchar[]))")
        params.append(list(filters.marketplaces))
    return " and ".join(clauses), params


def _channel_filter(filters: Filters, column: str) -> tuple[str, list]:
    if not filters.channels:
        return "true", []
    return f"{column} in (select unnest(?::varchar[]))", [list(filters.channels)]


# -------------------------------------------------------------------------------------- filter choices


def filter_choices(con: duckdb.DuckDBPyConnection) -> dict:
    """Date bounds, channels and marketplaces present in the orders, and the as-of."""
    first, last = con.execute("select min(order_date), max(order_date) from analytics.customer_orders").fetchone()
    (as_of,) = con.execute("select max(kpi_date) from analytics.kpi_daily").fetchone()
    channels = [r[0] for r in con.execute("select distinct channel_source from analytics.customer_orders "
                                          "where channel_source is not null order by 1").fetchall()]
    marketplaces = [r[0] for r in con.execute("select distinct coalesce(marketplace, '(own store)') "
                                              "from analytics.customer_orders order by 1").fetchall()]
    return {"first_day": first, "last_day": max(d for d in (last, as_of) if d is not None),
            "channels": channels, "marketplaces": marketplaces}


def default_filters(choices: dict) -> Filters:
    """What the dashboard opens on: the last twelve months and the month to date, every channel."""
    first, last = choices["first_day"], choices["last_day"]
    return Filters(max(first, date(last.year - 1, last.month, 1)), last)


# -------------------------------------------------------------------------------------- overview


def order_tiles(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, float]:
    """Metrics net_revenue, gross_revenue, orders, average_order_value, customers, new_customers,
    returning_customers over the filtered orders."""
    where, params = _order_filter(filters)
    row = con.execute(f"""
        select
            coalesce(sum(net_revenue), 0), coalesce(sum(gross_revenue), 0), count(*),
            count(distinct customer_id),
            coalesce(sum(case when is_first_order then 1 else 0 end), 0),
            count(distinct case when not is_first_order then customer_id end)
        from analytics.customer_orders where {where}""", params).fetchone()
    net, gross, orders, customers, new, returning = (float(v) for v in row)
    return {"net_revenue": net, "gross_revenue": gross, "orders": orders,
            "average_order_value": net / orders if orders else 0.0, "customers": customers,
            "new_customers": new, "returning_customers": returning}


def daily_tiles(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, float | None]:
    """Metrics from the daily KPIs over the date range (all channels): email_attributed_revenue_share,
    cart_recovery_revenue, return_rate, identity_match_rate and active_customers at the range's end."""
    row = con.execute("""
        select sum(email_attributed_revenue), sum(net_revenue), sum(cart_recovery_revenue),
               sum(units_returned), sum(units_sold),
               arg_max(people_matched_to_date, kpi_date), arg_max(people_known_to_date, kpi_date),
               arg_max(active_customers, kpi_date)
        from analytics.kpi_daily where kpi_date between ? and ?""", [filters.start, filters.end]).fetchone()
    email, net, recovery, returned, sold, matched, known, active = (float(v) if v is not None else None for v in row)
    return {"email_attributed_revenue_share": email / net if net else None,
            "cart_recovery_revenue": recovery or 0.0,
            "return_rate": returned / sold if sold else None,
            "identity_match_rate": matched / known if known else None,
            "active_customers": active}


def customer_tiles(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, float | None]:
    """Metrics over the customers as of the as-of (acquisition channel filtered): historical_ltv,
    predicted_clv, repeat_purchase_rate, churn_rate, buyers."""
    where, params = _channel_filter(filters, "first_order_channel")
    row = con.execute(f"""
        select sum(case when orders_count > 0 then 1 else 0 end),
               sum(case when orders_count >= 2 then 1 else 0 end),
               sum(case when lifecycle_stage = 'churned' then 1 else 0 end),
               sum(historical_ltv), sum(predicted_clv), sum(case when has_clv_score then 1 else 0 end)
        from analytics.customer_value where {where}""", params).fetchone()
    buyers, repeat, churned, ltv, clv, scored = (float(v or 0) for v in row)
    return {"buyers": buyers, "historical_ltv": ltv / buyers if buyers else None,
            "predicted_clv": clv / scored if scored else None,
            "repeat_purchase_rate": repeat / buyers if buyers else None,
            "churn_rate": churned / buyers if buyers else None}


def monthly_trend(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Per month of the range: net_revenue, orders, new_customers, average_order_value (metric_time__month)."""
    where, params = _order_filter(filters)
    return _frame(con, f"""
        select date_trunc('month', order_date)::date as month, sum(net_revenue)::double as net_revenue,
               count(*) as orders, sum(case when is_first_order then 1 else 0 end) as new_customers,
               sum(net_revenue)::double / count(*) as average_order_value
        from analytics.customer_orders where {where} group by 1 order by 1""", params)


def revenue_by_channel(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    where, params = _order_filter(filters)
    return _frame(con, f"""
        select date_trunc('month', order_date)::date as month, channel_source as channel,
               sum(net_revenue)::double as net_revenue
        from analytics.customer_orders where {where} group by 1, 2 order by 1, 2""", params)


# -------------------------------------------------------------------------------------- cohorts and LTV


def _cohorts(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Cohort rows (cohort_month, months_since_first_order) over the acquisition channels chosen."""
    if filters.channels:
        where, params = _channel_filter(filters, "acquisition_channel")
        source = f"(select * from analytics.cohort_retention_by_channel where {where})"
    else:
        source, params = "analytics.cohort_retention", []
    return _frame(con, f"""
        select cohort_month, months_since_first_order,
               sum(cohort_size) as cohort_size, sum(active_customers) as active_customers,
               sum(active_customers)::double / sum(cohort_size) as retention_rate,
               sum(cumulative_net_revenue)::double / sum(cohort_size) as cumulative_revenue_per_customer,
               bool_or(is_partial_month) as is_partial_month
        from {source} as cohorts
        where cohort_month between date_trunc('month', ?::date) and ?
        group by 1, 2 order by 1, 2""", [*params, filters.start, filters.end])


def cohort_heatmap(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Metric cohort_retention_rate by cohort month and month since first order, partial months flagged."""
    return _cohorts(con, filters)


def ltv_curves_by_cohort(con: duckdb.DuckDBPyConnection, filters: Filters, cohorts: int = 12) -> pd.DataFrame:
    """Cumulative net revenue per customer by month since the first order, for the newest ``cohorts`` cohorts."""
    frame = _cohorts(con, filters)
    newest = sorted(frame["cohort_month"].unique())[-cohorts:]
    return frame[frame["cohort_month"].isin(newest)].reset_index(drop=True)


def ltv_curves_by_channel(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Cumulative net revenue per customer by month since the first order, per acquisition channel."""
    where, params = _channel_filter(filters, "acquisition_channel")
    return _frame(con, f"""
        select acquisition_channel, months_since_first_order,
               sum(cumulative_net_revenue)::double / sum(cohort_size) as cumulative_revenue_per_customer,
               sum(cohort_size) as customers
        from analytics.cohort_retention_by_channel
        where {where} and cohort_month between date_trunc('month', ?::date) and ?
        group by 1, 2 order by 1, 2""", [*params, filters.start, filters.end])


def ltv_by_channel(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Metric historical_ltv grouped by customer__acquisition_channel."""
    where, params = _channel_filter(filters, "first_order_channel")
    return _frame(con, f"""
        select first_order_channel as acquisition_channel, count(*) as customers,
               sum(historical_ltv)::double / count(*) as historical_ltv,
               avg(predicted_clv) as predicted_clv
        from analytics.customer_value where orders_count > 0 and {where} group by 1 order by 3 desc""", params)


# -------------------------------------------------------------------------------------- segments


def rfm_grid(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Customers and net revenue per recency x frequency score cell."""
    where, params = _channel_filter(filters, "v.first_order_channel")
    return _frame(con, f"""
        select r.r_score, r.f_score, count(*) as customers, sum(r.monetary)::double as net_revenue
        from analytics.customer_rfm as r join analytics.customer_value as v using (customer_id)
        where {where} group by 1, 2 order by 1, 2""", params)


def rfm_segments(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    where, params = _channel_filter(filters, "v.first_order_channel")
    return _frame(con, f"""
        select r.rfm_segment, count(*) as customers, sum(r.monetary)::double as net_revenue,
               avg(r.monetary)::double as net_revenue_per_customer
        from analytics.customer_rfm as r join analytics.customer_value as v using (customer_id)
        where {where} group by 1 order by 3 desc""", params)


def lifecycle_funnel(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Customers per lifecycle stage (in lifecycle order) with the status it rolls up to."""
    where, params = _channel_filter(filters, "first_order_channel")
    frame = _frame(con, f"""
        select lifecycle_stage, customer_status, count(*) as customers,
               coalesce(sum(historical_ltv), 0)::double as historical_ltv
        from analytics.customer_value where {where} group by 1, 2""", params)
    frame["stage_order"] = frame["lifecycle_stage"].map({s: i for i, s in enumerate(LIFECYCLE_ORDER)})
    return frame.sort_values("stage_order").reset_index(drop=True)


# -------------------------------------------------------------------------------------- CLV


def clv_distribution(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    where, params = _channel_filter(filters, "first_order_channel")
    return _frame(con, f"""
        select customer_id, predicted_clv, probability_alive, historical_ltv::double as historical_ltv
        from analytics.customer_value where has_clv_score and {where}""", params)


def top_customers(con: duckdb.DuckDBPyConnection, filters: Filters, limit: int = 20,
                  restricted: bool = False) -> pd.DataFrame:
    """The customers with the highest predicted CLV; names and e-mail only with the restricted opt-in."""
    where, params = _channel_filter(filters, "v.first_order_channel")
    personal = "r.first_name, r.last_name, r.best_email as email," if restricted else ""
    join = "left join restricted.dim_customers as r using (customer_id)" if restricted else ""
    return _frame(con, f"""
        select v.customer_id, {personal} v.predicted_clv, v.historical_ltv::double as historical_ltv,
               v.orders_count, v.probability_alive, v.lifecycle_stage, v.primary_segment, v.first_order_channel
        from analytics.customer_value as v {join}
        where v.has_clv_score and {where} order by v.predicted_clv desc, v.customer_id limit {int(limit)}""",
                  params)


def clv_model(con: duckdb.DuckDBPyConnection) -> dict | None:
    frame = _frame(con, "select run_id, status, reason, as_of, horizon_months, n_customers, n_repeat_buyers, "
                        "fitted_at from analytics.clv_model_runs order by fitted_at desc limit 1")
    return None if frame.empty else frame.iloc[0].to_dict()


# -------------------------------------------------------------------------------------- activation


def segment_sizes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return _frame(con, """
        select segment, any_value(segment_label) as label, any_value(segment_owner) as owner,
               count(*) as customers, bool_or(is_exclusive) as is_exclusive
        from analytics.segment_membership group by 1 order by 4 desc""")


def audience_sizes(con: duckdb.DuckDBPyConnection, syncs: list[dict]) -> pd.DataFrame:
    """Per configured sync: its audience's members in the serving copy and its last run (meta.sync_runs)."""
    tables = {r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'analytics'"
                                        ).fetchall()}
    has_runs = con.execute("select count(*) from duckdb_tables() where schema_name = 'meta' "
                           "and table_name = 'sync_runs'").fetchone()[0] > 0
    rows = []
    for sync in syncs:
        relation = sync["audience"].split(".")[-1]
        members = (con.execute(f'select count(*) from analytics."{relation}"').fetchone()[0]
                   if relation in tables else None)
        last = (con.execute("select status, finished_at, planned_adds, dry_run from meta.sync_runs "
                            "where sync_name = ? order by started_at desc limit 1", [sync["name"]]).fetchone()
                if has_runs else None)
        rows.append({"sync": sync["name"], "destination": sync["destination"], "audience": relation,
                     "mode": sync["mode"], "members": members,
                     "last_sync": last[1] if last else None,
                     "last_status": (f"{last[0]}{' (dry run)' if last[3] else ''}" if last else "never synced")})
    return pd.DataFrame(rows)


# -------------------------------------------------------------------------------------- identity


def identity_match_rates(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return _frame(con, "select metric, profile_type, numerator, denominator, match_rate::double as match_rate "
                       "from analytics.identity_match_rate order by metric, profile_type")


def identity_match_rate(con: duckdb.DuckDBPyConnection) -> float:
    """Metric identity_match_rate at the as-of: people in two or more systems / people known (all profiles)."""
    (numerator, denominator) = con.execute(
        "select numerator, denominator from analytics.identity_match_rate "
        "where metric = 'people_in_two_or_more_systems' and profile_type = 'all'").fetchone()
    return numerator / denominator if denominator else 0.0


def profile_sizes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    frame = _frame(con, "select item as records_per_profile, profiles_count as profiles, records_count as records "
                        "from analytics.identity_cluster_health where section = 'size_distribution'")
    frame["sort"] = frame["records_per_profile"].str.extract(r"(\d+)")[0].astype(float).fillna(float("inf"))
    return frame.sort_values("sort").drop(columns="sort").reset_index(drop=True)


def identity_flags(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    flagged = con.execute("select count(*) from analytics.identity_cluster_health where is_flagged").fetchone()[0]
    suggestions = None
    if con.execute("select count(*) from duckdb_tables() where schema_name = 'analytics' "
                   "and table_name = 'identity_match_suggestions'").fetchone()[0]:
        suggestions = con.execute("select count(*) from analytics.identity_match_suggestions").fetchone()[0]
    profiles = con.execute("select count(*) from analytics.customer_value").fetchone()[0]
    return {"flagged_profiles": flagged, "suggestions_waiting": suggestions, "customers": profiles}


# -------------------------------------------------------------------------------------- data health


def data_health(con: duckdb.DuckDBPyConnection) -> dict:
    """As-of, last publish, the last check run (passed / failed by severity) and the newest data."""
    run_id, published_at = con.execute("select run_id, published_at from meta.publication").fetchone()
    (as_of,) = con.execute("select max(as_of) from analytics.kpi_daily").fetchone()
    checks = con.execute("""
        with latest as (select run_id from analytics.validation_results order by validated_at desc limit 1)
        select count(*), count(*) filter (where success),
               count(*) filter (where not success and severity = 'error'),
               count(*) filter (where not success and severity = 'warn'), max(validated_at)
        from analytics.validation_results where run_id = (select run_id from latest)""").fetchone()
    (newest_order,) = con.execute("select max(ordered_at) from analytics.customer_orders").fetchone()
    (newest_event,) = con.execute("select max(occurred_at) from analytics.fct_events").fetchone()
    return {"run_id": run_id, "published_at": published_at, "as_of": as_of, "rules": checks[0],
            "rules_passed": checks[1], "errors": checks[2], "warnings": checks[3], "checked_at": checks[4],
            "newest_order": newest_order, "newest_event": newest_event}


def check_results(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return _frame(con, """
        with latest as (select run_id from analytics.validation_results order by validated_at desc limit 1)
        select split_part(suite, '.', 1) as suite, severity, count(*) as rules,
               count(*) filter (where success) as passed, count(*) filter (where not success) as failed
        from analytics.validation_results where run_id = (select run_id from latest)
        group by 1, 2 order by 1, 2""")


def failed_checks(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return _frame(con, """
        with latest as (select run_id from analytics.validation_results order by validated_at desc limit 1)
        select severity, relation, rule_family, unexpected_count, element_count, reason
        from analytics.validation_results where run_id = (select run_id from latest) and not success
        order by severity, relation""")


def table_freshness(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Rows of the main marts and their newest record."""
    return _frame(con, """
        select 'customer_orders' as mart, count(*) as rows, max(ordered_at) as newest from analytics.customer_orders
        union all select 'fct_events', count(*), max(occurred_at) from analytics.fct_events
        union all select 'fct_returns', count(*), max(returned_at) from analytics.fct_returns
        union all select 'customer_value', count(*), max(last_order_at) from analytics.customer_value
        union all select 'kpi_daily', count(*), max(kpi_date)::timestamp from analytics.kpi_daily""")
