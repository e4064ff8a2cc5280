-- Welcome: a customer's first subscription to an e-mail or SMS list (var
-- `value_events_subscribed`), one per customer and message channel, triggered when they
-- subscribed.

with

source_map as (

    select * from {{ ref('customer_source_map') }}

),

profiles as (

    select * from {{ ref('audience_customer_profiles') }}

),

subscriptions as (

    select
        source_map.customer_id,
        fct_events.event_id,
        coalesce(fct_events.message_channel, 'email') as message_channel,
        fct_events.occurred_at,
        row_number() over (
            partition by source_map.customer_id, coalesce(fct_events.message_channel, 'email')
            order by fct_events.occurred_at, fct_events.event_id
        ) as subscription_number

    from {{ ref('fct_events') }} as fct_events
    inner join source_map
        on {{ actor_is_source_record('fct_events') }}
    where
        fct_events.event_name in {{ value_in_list('value_events_subscribed') }}
        and fct_events.occurred_at <= {{ as_of_timestamp() }}

),

final as (

    select
        -- ids
        {{ dbt.hash(dbt.concat(["'welcome|'", 'subscriptions.event_id'])) }} as trigger_id,
        subscriptions.customer_id,
        subscriptions.event_id as subscription_event_id,

        -- strings
        'welcome' as trigger_type,
        subscriptions.message_channel,
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
        subscriptions.occurred_at as triggered_at

    from subscriptions
    inner join profiles
        on subscriptions.customer_id = profiles.customer_id
    where subscriptions.subscription_number = 1

)

select * from final
