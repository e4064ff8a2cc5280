-- Storefront pixel events as vendor events: every event name, mapped or not (the mapping
-- decides which become canonical events).
with

pixel_events as (

    select * from {{ ref('stg_shopify__pixel_events') }}

),

vendor_events as (

    select
        -- ids
        'shopify' as source_system,
        'pixel_events' as source_table,
        source_record_key,
        event_name as vendor_event_name,
        cast(null as {{ dbt.type_string() }}) as order_key,
        cast(null as {{ dbt.type_string() }}) as order_id,
        product_id,
        checkout_token,
        'shopify' as actor_source_system,
        case when customer_id is not null then 'customer' else 'device' end as actor_entity,
        coalesce({{ dbt.cast('customer_id', dbt.type_string()) }}, client_id) as actor_key,

        -- strings
        cast(null as {{ dbt.type_string() }}) as order_channel_source,
        cast(null as {{ dbt.type_string() }}) as marketplace,
        {{ device_type('user_agent') }} as device_type,
        cast(null as {{ dbt.type_string() }}) as currency,
        {{ url_parameter('page_url', 'utm_campaign') }} as campaign_name,
        page_url as url,
        cast(null as {{ dbt.type_string() }}) as message_channel,

        -- numerics
        cast(null as numeric(18, 2)) as revenue,
        cart_quantity as quantity,
        cast(null as {{ dbt.type_bigint() }}) as rating,

        -- timestamps
        occurred_at,
        loaded_at

    from pixel_events

)

select * from vendor_events
