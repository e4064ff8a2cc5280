{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="{{ delete_after_as_of('occurred_at') }}",
    )
}}

with

mapped_events as (

    select * from {{ ref('int_events_mapped') }}

),

tracked as (

    select * from mapped_events
    where
        is_tracked
        and occurred_at <= {{ as_of_timestamp() }}
        {% if is_incremental() %}
            and {{ incremental_window('occurred_at') }}
        {% endif %}

),

final as (

    select
        -- ids
        event_id,
        source_record_key,
        order_key,
        order_id,
        product_id,
        checkout_token,
        actor_source_system,
        actor_entity,
        actor_key,

        -- strings
        event_name,
        vendor_event_name,
        channel_source,
        marketplace,
        device_type,
        platform,
        currency,
        source_system,
        source_table,
        campaign_name,
        url,
        message_channel,

        -- numerics
        revenue,
        quantity,
        rating,

        -- timestamps
        occurred_at,
        cast(occurred_at as date) as event_date,
        loaded_at

    from tracked

)

select * from final
