{{
    config(
        materialized='incremental',
        unique_key='order_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="{{ delete_after_as_of('ordered_at') }}",
    )
}}

with

orders as (

    select * from {{ ref('int_orders') }}
    {% if is_incremental() %}
        where {{ incremental_window('source_last_activity_at', 'last_activity_at') }}
    {% endif %}

),

final as (

    select
        -- ids
        order_key,
        order_id,
        actor_source_system,
        actor_entity,
        actor_key,

        -- strings
        source_system,
        order_name,
        channel_source,
        marketplace,
        fulfillment_channel,
        email,
        currency,
        utm_source,
        utm_medium,
        utm_campaign,
        landing_page,
        referring_site,
        device_type,

        -- numerics
        gross_revenue,
        discount_amount,
        shipping_amount,
        tax_amount,
        item_refund_amount,
        shipping_refund_amount,
        tax_refund_amount,
        other_refund_amount,
        refund_amount,
        net_revenue,
        net_total,
        items_quantity,

        -- booleans
        is_cancelled,
        is_business_order,

        -- timestamps
        ordered_at,
        fulfilled_at,
        cancelled_at,
        last_refunded_at,
        last_activity_at,
        loaded_at

    from orders

)

select * from final
