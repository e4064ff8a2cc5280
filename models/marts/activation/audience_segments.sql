-- Membership of every segment per destination channel, already filtered for sending: one row
-- per segment, channel (email, sms, ads; those the segment's `channels` allow) and member who
-- holds that channel's consent, is not suppressed and has the identifier the channel needs
-- (e-mail for email, phone for sms, either for ads). A segment added to segment_membership.yml
-- appears here with no other change; audience_<segment>_<channel> relations select one slice
-- for a sync.

with

segment_membership as (

    select * from {{ ref('segment_membership') }}

),

profiles as (

    select * from {{ ref('audience_customer_profiles') }}

),

customer_features as (

    select * from {{ ref('customer_features') }}

),

channels as (

    select 'email' as channel
    union all
    select 'sms' as channel
    union all
    select 'ads' as channel

),

offered as (

    select
        segment_membership.segment,
        segment_membership.segment_label,
        segment_membership.customer_id,
        channels.channel

    from segment_membership
    inner join channels
        on
            {{ dbt.concat(["','", 'segment_membership.segment_channels', "','"]) }}
            like {{ dbt.concat(["'%,'", 'channels.channel', "',%'"]) }}

),

final as (

    select
        -- ids
        offered.customer_id,

        -- strings
        offered.segment,
        offered.channel,
        offered.segment_label,
        profiles.email,
        profiles.phone,
        profiles.first_name,
        profiles.last_name,
        customer_features.lifecycle_stage,
        customer_features.customer_status,
        customer_features.rfm_segment,

        -- numerics
        customer_features.orders_count,
        customer_features.net_revenue as ltv,

        -- booleans
        profiles.consent_email,
        profiles.consent_sms,
        profiles.consent_ads,
        profiles.is_suppressed,

        -- timestamps
        customer_features.last_order_at,
        {{ as_of_timestamp() }} as as_of

    from offered
    inner join profiles
        on offered.customer_id = profiles.customer_id
    left join customer_features
        on offered.customer_id = customer_features.customer_id
    where
        not coalesce(profiles.is_suppressed, false)
        and (
            (offered.channel = 'email' and profiles.consent_email and profiles.email is not null)
            or (offered.channel = 'sms' and profiles.consent_sms and profiles.phone is not null)
            or (
                offered.channel = 'ads' and profiles.consent_ads
                and (profiles.email is not null or profiles.phone is not null)
            )
        )

)

select * from final
