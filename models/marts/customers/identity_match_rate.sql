-- How much the identity graph stitches: the share of people (profiles with at least one record
-- other than an anonymous storefront browser) seen in two or more systems, and the share of
-- marketplace (Amazon) buyers linked to an owned channel (the store, e-mail/SMS, support).
-- One row per metric and profile type (all, personal, business).

with

source_map as (

    select * from {{ ref('customer_source_map') }}

),

profiles as (

    select
        customer_id,
        max(case when is_business_profile then 1 else 0 end) = 1 as is_business_profile,
        count(distinct source_system) as systems_count,
        max(case when source_system = 'amazon' then 1 else 0 end) = 1 as has_marketplace,
        max(case when source_system != 'amazon' then 1 else 0 end) = 1 as has_owned_channel,
        max(case when source_entity != 'device' then 1 else 0 end) = 1 as is_known_person

    from source_map
    group by customer_id

),

typed as (

    select
        customer_id,
        systems_count,
        has_marketplace,
        has_owned_channel,
        is_known_person,
        'all' as profile_type

    from profiles

    union all

    select
        customer_id,
        systems_count,
        has_marketplace,
        has_owned_channel,
        is_known_person,
        case when is_business_profile then 'business' else 'personal' end as profile_type

    from profiles

),

metrics as (

    select
        'people_in_two_or_more_systems' as metric,
        profile_type,
        sum(case when systems_count >= 2 then 1 else 0 end) as numerator,
        count(*) as denominator

    from typed
    where is_known_person
    group by profile_type

    union all

    select
        'marketplace_buyers_linked_to_owned_channel' as metric,
        profile_type,
        sum(case when has_owned_channel then 1 else 0 end) as numerator,
        count(*) as denominator

    from typed
    where has_marketplace
    group by profile_type

)

select
    -- strings
    metric,
    profile_type,

    -- numerics
    numerator,
    denominator,
    case
        when denominator > 0 then cast(numerator as {{ dbt.type_float() }}) / denominator
    end as match_rate,

    -- timestamps
    {{ as_of_timestamp() }} as measured_at

from metrics
