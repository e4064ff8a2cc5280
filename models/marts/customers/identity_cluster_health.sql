-- The health of the identity graph after the last resolution, as findings in sections:
--   size_distribution   profiles and records per profile-size bucket;
--   largest_profiles    the 20 profiles with most records;
--   oversized_profiles  every profile with more records than the var identity_component_bound
--                       (default 64), flagged: a sign of a junk or shared identifier;
--   rule_firings        how often each rule fired, per identifier type (identity_rule_events);
--   resolution          one row per resolution pass: rounds to converge, active links,
--                       profiles, limit violations, seconds.

{%- set bound = var('identity_component_bound', 64) | int %}

with

source_map as (

    select * from {{ ref('customer_source_map') }}

),

rule_events as (

    select * from {{ ref('identity_rule_events') }}

),

resolution_log as (

    select * from {{ identity_resolution_relation('log') }}

),

-- depends_on: {{ ref('int_identity_resolution') }}
profiles as (

    select
        customer_id,
        count(*) as records_count,
        count(distinct source_system) as systems_count,
        max(case when is_business_profile then 1 else 0 end) = 1 as is_business_profile

    from source_map
    group by customer_id

),

bucketed as (

    select
        customer_id,
        records_count,
        systems_count,
        is_business_profile,
        case
            when records_count = 1 then 1
            when records_count = 2 then 2
            when records_count <= 5 then 3
            when records_count <= 10 then 4
            when records_count <= 20 then 5
            when records_count <= {{ bound }} then 6
            else 7
        end as bucket_order,
        case
            when records_count = 1 then '1'
            when records_count = 2 then '2'
            when records_count <= 5 then '3-5'
            when records_count <= 10 then '6-10'
            when records_count <= 20 then '11-20'
            when records_count <= {{ bound }} then '21-{{ bound }}'
            else 'over {{ bound }}'
        end as size_bucket

    from profiles

),

size_distribution as (

    select
        'size_distribution' as section,
        size_bucket as item,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as identifier_type,
        count(*) as profiles_count,
        sum(records_count) as records_count,
        cast(null as {{ dbt.type_bigint() }}) as firings_count,
        cast(null as integer) as rounds,
        cast(null as {{ dbt.type_float() }}) as seconds,
        max(bucket_order) = 7 as is_flagged,
        bucket_order as sort_order

    from bucketed
    group by
        size_bucket,
        bucket_order

),

ranked as (

    select
        customer_id,
        records_count,
        row_number() over (order by records_count desc, customer_id asc) as size_rank

    from bucketed

),

largest_profiles as (

    select
        'largest_profiles' as section,
        {{ dbt.concat(["'rank '", dbt.cast('size_rank', dbt.type_string())]) }} as item,
        customer_id,
        cast(null as {{ dbt.type_string() }}) as identifier_type,
        1 as profiles_count,
        records_count,
        cast(null as {{ dbt.type_bigint() }}) as firings_count,
        cast(null as integer) as rounds,
        cast(null as {{ dbt.type_float() }}) as seconds,
        records_count > {{ bound }} as is_flagged,
        size_rank as sort_order

    from ranked
    where size_rank <= 20

),

oversized_profiles as (

    select
        'oversized_profiles' as section,
        {{ dbt.concat(["'over '", "'" ~ bound ~ "'", "' records'"]) }} as item,
        customer_id,
        cast(null as {{ dbt.type_string() }}) as identifier_type,
        1 as profiles_count,
        records_count,
        cast(null as {{ dbt.type_bigint() }}) as firings_count,
        cast(null as integer) as rounds,
        cast(null as {{ dbt.type_float() }}) as seconds,
        true as is_flagged,
        size_rank as sort_order

    from ranked
    where records_count > {{ bound }}

),

rule_firings as (

    select
        'rule_firings' as section,
        event_type as item,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        identifier_type,
        count(distinct customer_id) as profiles_count,
        sum(records_count) as records_count,
        count(*) as firings_count,
        cast(null as integer) as rounds,
        cast(null as {{ dbt.type_float() }}) as seconds,
        false as is_flagged,
        0 as sort_order

    from rule_events
    group by
        event_type,
        identifier_type

),

resolution as (

    select
        'resolution' as section,
        {{ dbt.concat(["'pass '", dbt.cast('pass_number', dbt.type_string())]) }} as item,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as identifier_type,
        profiles as profiles_count,
        active_links as records_count,
        violations as firings_count,
        rounds,
        seconds,
        is_final and violations > 0 as is_flagged,
        pass_number as sort_order

    from resolution_log
    where event_type = 'pass'

),

findings as (

    select * from size_distribution
    union all
    select * from largest_profiles
    union all
    select * from oversized_profiles
    union all
    select * from rule_firings
    union all
    select * from resolution

)

select
    -- ids
    customer_id,

    -- strings
    section,
    item,
    identifier_type,

    -- numerics
    profiles_count,
    records_count,
    firings_count,
    rounds,
    seconds,
    sort_order,
    {{ bound }} as component_bound,

    -- booleans
    is_flagged,

    -- timestamps
    {{ identity_run_timestamp() }} as measured_at

from findings
