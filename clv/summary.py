"""Per-customer purchase summary (the models' x, t_x, T and mean repeat spend) built in SQL.

Definitions follow Fader, Hardie & Lee (2005) and the CDNOW calibration summaries (the names in
parentheses are the papers' and the ``lifetimes`` package's, which call them frequency, recency,
T and monetary value; spelled out here because "recency" there is not time since the last order):

* transactions are collapsed to purchase days (all orders of a customer on one calendar day
  are one purchase, their revenue summed); only days on or before ``as_of`` count: the as-of
  is a day, inclusive (an order at 23:59:59 on it counts, as in dbt's ``as_of_timestamp()``);
* ``repeat_purchases`` (x, frequency) = number of repeat purchase days = distinct purchase days - 1;
* ``purchase_span_periods`` (t_x, recency) = time from the first to the last purchase day;
* ``customer_age_periods`` (T) = time from the first purchase day to ``as_of``;
* ``average_repeat_value`` (monetary value) = mean revenue of the repeat purchase days (the
  first purchase is excluded, as in the Gamma-Gamma model); 0 for customers with no repeat
  purchase.

Times are in days (``time_unit="D"``) or weeks (``"W"``, days / 7, fractional).  The SQL is
plain set-based SQL (CTEs, ``group by``, a join, date subtraction) apart from the DuckDB
parameter placeholders.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa

#: Length of one time unit in days.
TIME_UNIT_DAYS: dict[str, float] = {"D": 1.0, "W": 7.0}

SUMMARY_COLUMNS = ("customer_id", "repeat_purchases", "purchase_span_periods", "customer_age_periods",
                   "average_repeat_value")


def unit_days(time_unit: str) -> float:
    """Days per time unit; raise ``ValueError`` for anything but D or W."""
    try:
        return TIME_UNIT_DAYS[time_unit.upper()]
    except KeyError:
        raise ValueError(f"time_unit must be one of {sorted(TIME_UNIT_DAYS)}, got {time_unit!r}") from None


def summary_sql(transactions_sql: str) -> str:
    """The summary query around ``transactions_sql``; parameters: (as_of, days per unit).

    ``transactions_sql`` must return customer_id, ordered_at (date or timestamp) and revenue.
    """
    return f"""
with transactions as (
    select
        customer_id,
        cast(ordered_at as date) as purchase_date,
        revenue
    from ({transactions_sql}) as source_transactions
    where customer_id is not null
      and ordered_at is not null
),

params as (
    select
        cast(? as date) as as_of,
        cast(? as double) as unit_days
),

purchase_days as (
    select
        transactions.customer_id,
        transactions.purchase_date,
        coalesce(sum(transactions.revenue), 0) as revenue
    from transactions
    cross join params
    where transactions.purchase_date <= params.as_of
    group by transactions.customer_id, transactions.purchase_date
),

customers as (
    select
        customer_id,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        count(*) as purchase_days
    from purchase_days
    group by customer_id
),

repeat_value as (
    select
        purchase_days.customer_id,
        avg(purchase_days.revenue) as average_repeat_value
    from purchase_days
    inner join customers
        on purchase_days.customer_id = customers.customer_id
    where purchase_days.purchase_date > customers.first_purchase_date
    group by purchase_days.customer_id
)

select
    customers.customer_id,
    cast(customers.purchase_days - 1 as double) as repeat_purchases,
    cast(customers.last_purchase_date - customers.first_purchase_date as double)
        / params.unit_days as purchase_span_periods,
    cast(params.as_of - customers.first_purchase_date as double) / params.unit_days as customer_age_periods,
    cast(coalesce(repeat_value.average_repeat_value, 0) as double) as average_repeat_value
from customers
cross join params
left join repeat_value
    on customers.customer_id = repeat_value.customer_id
order by customers.customer_id
"""


def build_summary(con: duckdb.DuckDBPyConnection, transactions_sql: str, as_of: date, time_unit: str = "W") -> pa.Table:
    """Run the summary query and return it as an Arrow table (one row per customer).

    Columns: customer_id (type as in the source), repeat_purchases, purchase_span_periods,
    customer_age_periods, average_repeat_value (double); periods are ``time_unit``s.
    """
    days = unit_days(time_unit)
    return con.sql(summary_sql(transactions_sql), params=[as_of, days]).to_arrow_table()
