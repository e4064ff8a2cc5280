-- Lifecycle stage per known customer as of as_of: prospect (no order yet), new, active,
-- at_risk, lapsed or churned, with the thresholds of the seed lifecycle_thresholds, and the
-- data dictionary's customer_status (prospect, active, lapsed) the stage rolls up to. Known
-- customers: those with an identified record (anything but an anonymous storefront device)
-- first seen by as_of, and every customer with an order.

with

source_map as (

    select * from {{ ref('customer_source_map') }}

),

customer_ltv as {{ inline_cte() }} (

    select * from {{ ref('customer_ltv') }}

),

lifecycle_thresholds as (

    select * from {{ ref('lifecycle_thresholds') }}

),

thresholds as (

    {{ lifecycle_threshold_days('lifecycle_thresholds') }}

),

known_records as (

    select
        customer_id,
        min(first_seen_at) as first_seen_at

    from source_map
    where
        source_entity <> 'device'
        and first_seen_at <= {{ as_of_timestamp() }}
    group by customer_id

),

customers as (

    select customer_id from known_records
    union
    select customer_id from customer_ltv

),

staged as (

    select
        customers.customer_id,
        known_records.first_seen_at,
        customer_ltv.orders_count,
        customer_ltv.tenure_days as days_since_first_order,
        customer_ltv.days_since_last_order,
        customer_ltv.first_order_at,
        customer_ltv.last_order_at,
        {{ lifecycle_stage(
            'customer_ltv.customer_id is not null',
            'customer_ltv.tenure_days',
            'customer_ltv.days_since_last_order'
        ) }} as lifecycle_stage

    from customers
    cross join thresholds
    left join known_records
        on customers.customer_id = known_records.customer_id
    left join customer_ltv
        on customers.customer_id = customer_ltv.customer_id

),

final as (

    select
        -- ids
        staged.customer_id,

        -- strings
        staged.lifecycle_stage,
        lifecycle_thresholds.customer_status,

        -- numerics
        lifecycle_thresholds.stage_order as lifecycle_stage_order,
        coalesce(staged.orders_count, 0) as orders_count,
        staged.days_since_first_order,
        staged.days_since_last_order,

        -- timestamps
        staged.first_seen_at,
        staged.first_order_at,
        staged.last_order_at,
        {{ as_of_timestamp() }} as as_of

    from staged
    left join lifecycle_thresholds
        on staged.lifecycle_stage = lifecycle_thresholds.lifecycle_stage

)

select * from final
