-- Review request: a fulfilled order of the own store (var `value_review_request_source_systems`)
-- gets one request at fulfilment + the delivery buffer (`value_delivery_buffer_days`, 3), when
-- no review (`value_events_review`) of that order exists by then. Orders fully refunded by then
-- are left out.

{%- set buffer_days = var('value_delivery_buffer_days', 3) | int %}

with

customer_orders as (

    select * from {{ ref('customer_orders') }}
    where
        fulfilled_at is not null
        and source_system in {{ value_in_list('value_review_request_source_systems') }}
        and net_revenue > 0

),

reviews as (

    select
        order_key,
        min(occurred_at) as first_reviewed_at

    from {{ ref('fct_events') }}
    where
        event_name in {{ value_in_list('value_events_review') }}
        and order_key is not null
    group by order_key

),

profiles as (

    select * from {{ ref('audience_customer_profiles') }}

),

requests as (

    select
        customer_orders.order_key,
        customer_orders.customer_id,
        customer_orders.channel_source,
        customer_orders.fulfilled_at,
        reviews.first_reviewed_at,
        {{ value_dateadd('day', buffer_days, 'customer_orders.fulfilled_at') }} as triggered_at

    from customer_orders
    left join reviews
        on customer_orders.order_key = reviews.order_key

),

final as (

    select
        -- ids
        {{ dbt.hash(dbt.concat(["'review_request|'", 'requests.order_key'])) }} as trigger_id,
        requests.customer_id,
        requests.order_key,

        -- strings
        'review_request' as trigger_type,
        requests.channel_source,
        profiles.email,
        profiles.phone,
        profiles.first_name,
        profiles.last_name,

        -- booleans
        profiles.consent_email,
        profiles.consent_sms,
        profiles.consent_ads,
        profiles.is_suppressed,

        -- timestamps
        requests.triggered_at,
        requests.fulfilled_at

    from requests
    inner join profiles
        on requests.customer_id = profiles.customer_id
    where
        requests.triggered_at <= {{ as_of_timestamp() }}
        and (requests.first_reviewed_at is null or requests.first_reviewed_at > requests.triggered_at)

)

select * from final
