-- Win-back: a customer whose order was followed by no other order for
-- `value_winback_after_days` (90) days. One trigger per such order (so a customer who comes back
-- and lapses again is won back again), at the order + that many days, on or before as_of.

{%- set after_days = var('value_winback_after_days', 90) | int %}

with

customer_orders as (

    select * from {{ ref('customer_orders') }}

),

profiles as (

    select * from {{ ref('audience_customer_profiles') }}

),

sequenced as (

    select
        order_key,
        customer_id,
        customer_order_number,
        ordered_at,
        lead(ordered_at) over (partition by customer_id order by ordered_at, order_key) as next_ordered_at,
        sum(net_revenue) over (
            partition by customer_id order by ordered_at, order_key
            rows between unbounded preceding and current row
        ) as net_revenue_to_date,
        {{ value_dateadd('day', after_days, 'ordered_at') }} as triggered_at

    from customer_orders

),

final as (

    select
        -- ids
        {{ dbt.hash(dbt.concat(["'winback|'", 'sequenced.order_key'])) }} as trigger_id,
        sequenced.customer_id,
        sequenced.order_key as last_order_key,

        -- strings
        'winback' as trigger_type,
        profiles.email,
        profiles.phone,
        profiles.first_name,
        profiles.last_name,

        -- numerics
        sequenced.customer_order_number as orders_to_date,
        sequenced.net_revenue_to_date,
        {{ after_days }} as days_without_order,

        -- booleans
        profiles.consent_email,
        profiles.consent_sms,
        profiles.consent_ads,
        profiles.is_suppressed,

        -- timestamps
        sequenced.triggered_at,
        sequenced.ordered_at as last_ordered_at

    from sequenced
    inner join profiles
        on sequenced.customer_id = profiles.customer_id
    where
        sequenced.triggered_at <= {{ as_of_timestamp() }}
        and (sequenced.next_ordered_at is null or sequenced.next_ordered_at > sequenced.triggered_at)

)

select * from final
