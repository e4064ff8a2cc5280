-- MetricFlow's time spine: one row per day from the var `metrics_time_spine_start` for
-- 10^`metrics_time_spine_digits` days (default: 2015-01-01 and 10,000 days, into 2042), so every
-- metric can be asked per day, week, month, quarter or year, and cumulative metrics have a day to
-- stand on even without orders. Portable SQL: digit cross joins (value_number_series), no
-- generate_series or recursive CTE, so it builds on DuckDB and Spark alike.

{%- set digits = var('metrics_time_spine_digits', 4) | int %}
{%- set start_date = "cast('" ~ var('metrics_time_spine_start', '2015-01-01') ~ "' as date)" %}

with

numbers as (

    select {{ value_number_expression(digits) }} as day_number
    {{ value_number_series(digits) }}

),

final as (

    select
        -- dates
        cast(
            {{ value_dateadd('day', 'numbers.day_number', start_date) }}
            as date
        ) as date_day

    from numbers

)

select * from final
