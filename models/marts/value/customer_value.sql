-- One row per known customer: historical value (customer_features), RFM and lifecycle, the
-- primary (exclusive) segment, and predicted CLV from the CLV step's scores (source clv), which
-- the pipeline writes between the two phases of the build, before this view is built.

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

    select
        customer_id,
        predicted_clv,
        probability_alive,
        expected_purchases_horizon,
        expected_order_value,
        run_id as clv_run_id,
        as_of as clv_as_of

    from {{ source('clv', 'customer_clv') }}

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
