-- The latest marketing consent of each customer per channel (e-mail, SMS) with its time and
-- source, from every record of the profile: Klaviyo profiles (e-mail and SMS consent and their
-- timestamps), Shopify customers (e-mail and SMS marketing consent) and Klaviyo Unsubscribed
-- events. The most recent statement wins; on a tie a withdrawal wins; states without a time
-- (never subscribed) only count when nothing dated exists. Nothing after `as_of` counts.

with

registry as (

    select * from {{ ref('int_identity_id_registry') }}
    where is_active

),

observations as (

    select
        {{ dbt.concat(["'klaviyo:profile:'", 'profile_id']) }} as record_id,
        'email' as channel,
        case upper(email_marketing_consent)
            when 'SUBSCRIBED' then 'subscribed'
            when 'UNSUBSCRIBED' then 'unsubscribed'
            else 'not_subscribed'
        end as consent_state,
        email_marketing_consent_at as consent_at,
        'klaviyo_profile' as consent_source

    from {{ ref('stg_klaviyo__profiles') }}
    where email_marketing_consent is not null

    union all

    select
        {{ dbt.concat(["'klaviyo:profile:'", 'profile_id']) }} as record_id,
        'sms' as channel,
        case upper(sms_marketing_consent)
            when 'SUBSCRIBED' then 'subscribed'
            when 'UNSUBSCRIBED' then 'unsubscribed'
            else 'not_subscribed'
        end as consent_state,
        sms_marketing_consent_at as consent_at,
        'klaviyo_profile' as consent_source

    from {{ ref('stg_klaviyo__profiles') }}
    where sms_marketing_consent is not null

    union all

    select
        {{ dbt.concat(["'shopify:customer:'", dbt.cast('customer_id', dbt.type_string())]) }} as record_id,
        'email' as channel,
        case lower(email_marketing_consent_state)
            when 'subscribed' then 'subscribed'
            when 'unsubscribed' then 'unsubscribed'
            when 'redacted' then 'unsubscribed'
            else 'not_subscribed'
        end as consent_state,
        email_marketing_consent_updated_at as consent_at,
        'shopify_customer' as consent_source

    from {{ ref('stg_shopify__customers') }}
    where email_marketing_consent_state is not null

    union all

    select
        {{ dbt.concat(["'shopify:customer:'", dbt.cast('customer_id', dbt.type_string())]) }} as record_id,
        'sms' as channel,
        case lower(sms_marketing_consent_state)
            when 'subscribed' then 'subscribed'
            when 'unsubscribed' then 'unsubscribed'
            when 'redacted' then 'unsubscribed'
            else 'not_subscribed'
        end as consent_state,
        sms_marketing_consent_updated_at as consent_at,
        'shopify_customer' as consent_source

    from {{ ref('stg_shopify__customers') }}
    where sms_marketing_consent_state is not null

    union all

    select
        {{ dbt.concat(["'klaviyo:profile:'", 'events.profile_id']) }} as record_id,
        case when lower(events.message_channel) = 'sms' then 'sms' else 'email' end as channel,
        'unsubscribed' as consent_state,
        events.occurred_at as consent_at,
        'klaviyo_unsubscribed_event' as consent_source

    from {{ ref('stg_klaviyo__events') }} as events
    inner join {{ ref('stg_klaviyo__metrics') }} as metrics
        on events.metric_id = metrics.metric_id
    where
        metrics.metric_name in ('Unsubscribed', 'Unsubscribed from List')
        and events.profile_id is not null

),

ranked as (

    select
        registry.customer_id,
        observations.channel,
        observations.consent_state,
        observations.consent_at,
        observations.consent_source,
        row_number() over (
            partition by registry.customer_id, observations.channel
            order by
                observations.consent_at desc nulls last,
                case observations.consent_state
                    when 'unsubscribed' then 1 when 'subscribed' then 2 else 3
                end,
                observations.consent_source asc
        ) as consent_rank

    from observations
    inner join registry
        on observations.record_id = registry.record_id
    where
        observations.consent_at is null
        or observations.consent_at <= {{ as_of_timestamp() }}

)

select
    -- ids
    customer_id,

    -- strings
    channel,
    consent_state,
    consent_source,

    -- timestamps
    consent_at

from ranked
where consent_rank = 1
