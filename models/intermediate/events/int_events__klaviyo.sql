-- Klaviyo events as vendor events, named by their metric (`Opened Email`, `Subscribed to
-- List`, ...). An event whose metric is unknown keeps a visible name, so the mapping test
-- catches it.
with

events as (

    select * from {{ ref('stg_klaviyo__events') }}

),

metrics as (

    select * from {{ ref('stg_klaviyo__metrics') }}

),

vendor_events as (

    select
        -- ids
        'klaviyo' as source_system,
        'events' as source_table,
        events.source_record_key,
        coalesce(metrics.metric_name, {{ dbt.concat(["'unknown metric '", 'events.metric_id']) }})
            as vendor_event_name,
        cast(null as {{ dbt.type_string() }}) as order_key,
        cast(null as {{ dbt.type_string() }}) as order_id,
        cast(null as {{ dbt.type_bigint() }}) as product_id,
        cast(null as {{ dbt.type_string() }}) as checkout_token,
        'klaviyo' as actor_source_system,
        'profile' as actor_entity,
        events.profile_id as actor_key,

        -- strings
        cast(null as {{ dbt.type_string() }}) as order_channel_source,
        cast(null as {{ dbt.type_string() }}) as marketplace,
        cast(null as {{ dbt.type_string() }}) as device_type,
        cast(null as {{ dbt.type_string() }}) as currency,
        events.campaign_name,
        events.url,
        events.message_channel,

        -- numerics
        cast(null as numeric(18, 2)) as revenue,
        cast(null as {{ dbt.type_bigint() }}) as quantity,
        cast(null as {{ dbt.type_bigint() }}) as rating,

        -- timestamps
        events.occurred_at,
        {{ greatest_timestamp(['events.loaded_at', 'metrics.loaded_at']) }} as loaded_at

    from events
    left join metrics
        on events.metric_id = metrics.metric_id

)

select * from vendor_events
