-- Zendesk tickets (`ticket_created`) and satisfaction ratings (`satisfaction_rated`) as vendor
-- events; the actor is the requester. A ticket an agent or admin requested (an internal task, a
-- note to the team) is the help desk's own work, not a customer's action: it stays in
-- stg_zendesk__tickets and is no customer event (staff are no identity records either).
with

staff as (

    select user_id from {{ ref('stg_zendesk__users') }}
    where not {{ zendesk_is_end_user('user_role') }}

),

tickets as (

    select tickets.*
    from {{ ref('stg_zendesk__tickets') }} as tickets
    left join staff
        on tickets.requester_id = staff.user_id
    where staff.user_id is null

),

satisfaction_ratings as (

    select ratings.*
    from {{ ref('stg_zendesk__satisfaction_ratings') }} as ratings
    left join staff
        on ratings.requester_id = staff.user_id
    where staff.user_id is null

),

ticket_events as (

    select
        -- ids
        'zendesk' as source_system,
        'tickets' as source_table,
        source_record_key,
        'ticket_created' as vendor_event_name,
        cast(null as {{ dbt.type_string() }}) as order_key,
        cast(null as {{ dbt.type_string() }}) as order_id,
        cast(null as {{ dbt.type_bigint() }}) as product_id,
        cast(null as {{ dbt.type_string() }}) as checkout_token,
        'zendesk' as actor_source_system,
        'user' as actor_entity,
        {{ dbt.cast('requester_id', dbt.type_string()) }} as actor_key,

        -- strings
        cast(null as {{ dbt.type_string() }}) as order_channel_source,
        cast(null as {{ dbt.type_string() }}) as marketplace,
        cast(null as {{ dbt.type_string() }}) as device_type,
        cast(null as {{ dbt.type_string() }}) as currency,
        cast(null as {{ dbt.type_string() }}) as campaign_name,
        cast(null as {{ dbt.type_string() }}) as url,
        channel as message_channel,

        -- numerics
        cast(null as numeric(18, 2)) as revenue,
        cast(null as {{ dbt.type_bigint() }}) as quantity,
        cast(null as {{ dbt.type_bigint() }}) as rating,

        -- timestamps
        created_at as occurred_at,
        loaded_at

    from tickets

),

rating_events as (

    select
        -- ids
        'zendesk' as source_system,
        'satisfaction_ratings' as source_table,
        source_record_key,
        'satisfaction_rated' as vendor_event_name,
        cast(null as {{ dbt.type_string() }}) as order_key,
        cast(null as {{ dbt.type_string() }}) as order_id,
        cast(null as {{ dbt.type_bigint() }}) as product_id,
        cast(null as {{ dbt.type_string() }}) as checkout_token,
        'zendesk' as actor_source_system,
        'user' as actor_entity,
        {{ dbt.cast('requester_id', dbt.type_string()) }} as actor_key,

        -- strings
        cast(null as {{ dbt.type_string() }}) as order_channel_source,
        cast(null as {{ dbt.type_string() }}) as marketplace,
        cast(null as {{ dbt.type_string() }}) as device_type,
        cast(null as {{ dbt.type_string() }}) as currency,
        cast(null as {{ dbt.type_string() }}) as campaign_name,
        cast(null as {{ dbt.type_string() }}) as url,
        cast(null as {{ dbt.type_string() }}) as message_channel,

        -- numerics
        cast(null as numeric(18, 2)) as revenue,
        cast(null as {{ dbt.type_bigint() }}) as quantity,
        cast(null as {{ dbt.type_bigint() }}) as rating,

        -- timestamps
        created_at as occurred_at,
        loaded_at

    from satisfaction_ratings

)

select * from ticket_events
union all
select * from rating_events
