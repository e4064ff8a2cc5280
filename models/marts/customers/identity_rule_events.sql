-- Every firing of an identity rule in the last resolution, one row per event:
-- `blocklist_hit` (a junk value never links), `shared_identifier_demoted` (a value carried by
-- more distinct people than its type's threshold is treated as weak), `business_email_separated`
-- (an address on business and personal records links each side only), and `limit_exceeded`
-- (a profile would hold more values of a type than allowed: the links of its lowest-priority
-- identifier type were dropped and the profile resolved again).

{%- set evaluated_at = identity_run_timestamp() %}

with

value_rules as {{ inline_cte() }} (

    select * from {{ ref('int_identity_identifier_rules') }}

),

resolution_log as (

    select * from {{ identity_resolution_relation('log') }}

),

-- depends_on: {{ ref('int_identity_resolution') }}
records as (

    select * from {{ ref('int_identity_records') }}

),

source_map as (

    select * from {{ ref('customer_source_map') }}

),

value_events as (

    select
        'blocklist_hit' as event_type,
        'blocklist' as rule_name,
        identifier_type,
        identifier_value,
        match_scope,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        records_count,
        cast(null as {{ dbt.type_bigint() }}) as observed_count,
        cast(null as {{ dbt.type_bigint() }}) as threshold,
        'value never links' as action_taken,
        {{ dbt.concat(['blocked_reason', "' ('", 'blocked_pattern', "')'"]) }} as detail,
        cast(null as integer) as resolution_pass

    from value_rules
    where is_blocked

    union all

    select
        'shared_identifier_demoted' as event_type,
        'shared_identifier' as rule_name,
        identifier_type,
        identifier_value,
        match_scope,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        records_count,
        distinct_people as observed_count,
        shared_threshold as threshold,
        case
            when split_by_type is null then 'demoted to weak'
            else {{ dbt.concat(["'demoted to weak; still links records with the same '", 'split_by_type']) }}
        end as action_taken,
        {{ dbt.concat([
            "'distinct phones '", dbt.cast('distinct_phones', dbt.type_string()),
            "', distinct people by name '", dbt.cast('distinct_first_names', dbt.type_string())
        ]) }} as detail,
        cast(null as integer) as resolution_pass

    from value_rules
    -- A threshold of 0 splits every value of its type by design (postal addresses): no event.
    where is_shared and shared_threshold > 0

    union all

    select
        'business_email_separated' as event_type,
        'business_scope' as rule_name,
        identifier_type,
        identifier_value,
        match_scope,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        records_count,
        cast(null as {{ dbt.type_bigint() }}) as observed_count,
        cast(null as {{ dbt.type_bigint() }}) as threshold,
        'links within its scope only' as action_taken,
        'on business and personal records' as detail,
        cast(null as integer) as resolution_pass

    from value_rules
    where
        is_in_both_scopes
        and match_scope = 'business'
        and not is_blocked

),

limit_events as (

    select
        'limit_exceeded' as event_type,
        {{ dbt.concat(["'limit:'", 'resolution_log.identifier_type']) }} as rule_name,
        resolution_log.identifier_type,
        cast(null as {{ dbt.type_string() }}) as identifier_value,
        cast(null as {{ dbt.type_string() }}) as match_scope,
        source_map.customer_id,
        cast(null as {{ dbt.type_bigint() }}) as records_count,
        resolution_log.distinct_values as observed_count,
        resolution_log.max_per_profile as threshold,
        {{ dbt.concat(["'dropped '", 'resolution_log.dropped_identifier_type', "' links'"]) }}
            as action_taken,
        {{ dbt.concat([
            "'profile of record '", 'records.record_id', "' in pass '",
            dbt.cast('resolution_log.pass_number', dbt.type_string())
        ]) }} as detail,
        resolution_log.pass_number as resolution_pass

    from resolution_log
    inner join records
        on resolution_log.component_node_id = records.record_node_id
    inner join source_map
        on records.record_id = source_map.record_id
    where resolution_log.event_type = 'limit_exceeded'

),

events as (

    select * from value_events
    union all
    select * from limit_events

)

select
    -- ids
    {{ dbt.hash(dbt.concat([
        'event_type', "'|'", 'identifier_type', "'|'", "coalesce(identifier_value, '')", "'|'",
        "coalesce(match_scope, '')", "'|'", "coalesce(customer_id, '')", "'|'",
        "coalesce(" ~ dbt.cast('resolution_pass', dbt.type_string()) ~ ", '')"
    ])) }} as rule_event_id,
    customer_id,

    -- strings
    event_type,
    rule_name,
    identifier_type,
    identifier_value,
    match_scope,
    action_taken,
    detail,

    -- numerics
    records_count,
    observed_count,
    threshold,
    resolution_pass,

    -- timestamps
    {{ evaluated_at }} as evaluated_at

from events
