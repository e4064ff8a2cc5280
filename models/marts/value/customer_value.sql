-- One row per known customer: historical value (customer_features), RFM and lifecycle, the
-- primary (exclusive) segment, and predicted CLV where the CLV step's table exists. A view:
-- `marts.customer_clv` is written by a Python step after dbt (clv/run.py), so it is not a dbt
-- node; when it exists at build time the view joins it and then always shows the scores in force.
-- The CLV step always leaves it in place (typed and empty before the first fit), and
-- `clv.ensure_tables` creates it before a first build, so the first run's view shows the scores
-- its CLV step writes after dbt.

{#- `execute` is undefined only under sqlfluff, which then lints the branch with scores #}
{%- if execute is not defined %}
    {%- set clv_relation = 'marts.customer_clv' %}
{%- else %}
    {%- set clv_relation = value_clv_relation() %}
{%- endif %}

with

customer_features as (

    select * from {{ ref('customer_features') }}

),

segment_membership as (

    select * from {{ ref('segment_membership') }}

),

primary_segments as (

    select
        customer_id,
        segment as primary_segment

    from segment_membership
    where is_exclusive

),

clv as (

    {% if clv_relation %}
        select
            customer_id,
            predicted_clv,
            probability_alive,
            expected_purchases_horizon,
            expected_order_value,
            run_id as clv_run_id,
            as_of as clv_as_of

        from {{ clv_relation }}
    {% else %}
        select
            cast(null as {{ dbt.type_string() }}) as customer_id,
            cast(null as {{ value_type_double() }}) as predicted_clv,
            cast(null as {{ value_type_double() }}) as probability_alive,
            cast(null as {{ value_type_double() }}) as expected_purchases_horizon,
            cast(null as {{ value_type_double() }}) as expected_order_value,
            cast(null as {{ dbt.type_string() }}) as clv_run_id,
            cast(null as date) as clv_as_of

        where 1 = 0
    {% endif %}

),

final as (

    select
        -- ids
        customer_features.customer_id,

        -- strings
        customer_features.lifecycle_stage,
        customer_features.customer_status,
        customer_features.rfm_segment,
        primary_segments.primary_segment,
        customer_features.first_order_channel,
        clv.clv_run_id,

        -- numerics
        customer_features.orders_count,
        customer_features.net_revenue as historical_ltv,
        customer_features.average_order_value,
        customer_features.ltv_decile,
        customer_features.r_score,
        customer_features.f_score,
        customer_features.m_score,
        clv.predicted_clv,
        clv.probability_alive,
        clv.expected_purchases_horizon,
        clv.expected_order_value,

        -- booleans
        clv.customer_id is not null as has_clv_score,

        -- timestamps
        customer_features.first_order_at,
        customer_features.last_order_at,
        clv.clv_as_of,
        customer_features.as_of

    from customer_features
    left join primary_segments
        on customer_features.customer_id = primary_segments.customer_id
    left join clv
        on customer_features.customer_id = clv.customer_id

)

select * from final
