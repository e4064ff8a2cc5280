-- Post-purchase check-ins: for every fulfilled order, one trigger per check-in day of the var
-- `value_post_purchase_checkin_days` ([7, 30]) after the estimated delivery (fulfilment +
-- `value_delivery_buffer_days`, 3), once that moment is on or before as_of. Orders fully
-- refunded by then are left out.

{%- set buffer_days = var('value_delivery_buffer_days', 3) | int %}
{%- set checkin_days = value_as_list(var('value_post_purchase_checkin_days', [7, 30])) %}

with

customer_orders as (

    select * from {{ ref('customer_orders') }}
    where fulfilled_at is not null

),

profiles as (

    select * from {{ ref('audience_customer_profiles') }}

),

checkins as (

    {% for days in checkin_days %}
        select {{ days | int }} as checkin_days
        {% if not loop.last %}
            union all
        {% endif %}
    {% endfor %}

),

scheduled as (

    select
        customer_orders.order_key,
        customer_orders.customer_id,
        customer_orders.channel_source,
        customer_orders.net_revenue,
        customer_orders.items_quantity,
        customer_orders.fulfilled_at,
        checkins.checkin_days,
        {{ value_dateadd('day', buffer_days, 'customer_orders.fulfilled_at') }} as delivered_at,
        {{ value_dateadd(
            'day', 'checkins.checkin_days', value_dateadd('day', buffer_days, 'customer_orders.fulfilled_at')
        ) }} as triggered_at

    from customer_orders
    cross join checkins
    where customer_orders.net_revenue > 0

),

final as (

    select
        -- ids
        {{ dbt.hash(dbt.concat([
            "'post_purchase|'", 'scheduled.order_key', "'|'", dbt.cast('scheduled.checkin_days', dbt.type_string())
        ])) }} as trigger_id,
        scheduled.customer_id,
        scheduled.order_key,

        -- strings
        'post_purchase' as trigger_type,
        scheduled.channel_source,
        profiles.email,
        profiles.phone,
        profiles.first_name,
        profiles.last_name,

        -- numerics
        scheduled.checkin_days,
        scheduled.net_revenue as order_net_revenue,
        scheduled.items_quantity,

        -- booleans
        profiles.consent_email,
        profiles.consent_sms,
        profiles.consent_ads,
        profiles.is_suppressed,

        -- timestamps
        scheduled.triggered_at,
        scheduled.fulfilled_at,
        scheduled.delivered_at as estimated_delivered_at

    from scheduled
    inner join profiles
        on scheduled.customer_id = profiles.customer_id
    where scheduled.triggered_at <= {{ as_of_timestamp() }}

)

select * from final
