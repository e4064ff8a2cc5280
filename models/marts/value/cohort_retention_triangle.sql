-- The retention triangle for BI: one row per first-order month with its cohort size and the
-- retention rate of months 0 .. `value_cohort_triangle_months` after the first order as
-- columns (month_00, month_01, ...); null where the month lies after as_of. The cell of the
-- as-of month is partial (the month is not over): `partial_month_number` names its column and
-- `is_partial_month` says whether the row shows it.

{%- set months = var('value_cohort_triangle_months', 24) | int %}

with

cohort_retention as (

    select * from {{ ref('cohort_retention') }}

),

final as (

    select
        -- dimensions
        cohort_month,

        -- numerics
        max(cohort_size) as cohort_size,
        {% for month in range(months + 1) %}
            max(
                case when months_since_first_order = {{ month }} then retention_rate end
            ) as month_{{ '%02d' % month }},
        {% endfor %}

        max(case when is_partial_month then months_since_first_order end) as partial_month_number,

        -- booleans
        max(case when is_partial_month then 1 else 0 end) = 1
        and max(case when is_partial_month then months_since_first_order end) <= {{ months }}
            as is_partial_month,

        -- timestamps
        max(as_of) as as_of

    from cohort_retention
    group by cohort_month

)

select * from final
