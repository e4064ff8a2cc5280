-- The values each record brings to a profile, for the types the customer identity owner limits
-- (seed identity_limits): a profile may hold at most `max_per_profile` distinct values of each.
-- Blocked (junk) values do not count: not in resolution, not in the checks (both read this).

with

identifiers as {{ inline_cte() }} (

    select * from {{ ref('int_identifiers') }}

),

limits as (

    select * from {{ ref('identity_limits') }}

),

value_rules as (

    select * from {{ ref('int_identity_identifier_rules') }}

),

vouched as (

    select distinct record_node_id
    from identifiers
    where identifier_type = 'accepted_match'

),

rules as (

    select * from {{ ref('identity_rules') }}

),

-- The blocklisted values (a handful): every other value of a ruled type counts.
blocked as (

    {{ identity_blocked_values_sql('value_rules') }}

)

select
    -- ids
    identifiers.record_node_id,

    -- strings
    identifiers.identifier_type,
    identifiers.identifier_value,

    -- strings
    limits.comparison,

    -- numerics
    limits.max_per_profile

from identifiers
inner join limits
    on identifiers.identifier_type = limits.identifier_type
inner join rules
    on identifiers.identifier_type = rules.identifier_type
left join blocked
    on
        identifiers.identifier_type = blocked.identifier_type
        and identifiers.identifier_value = blocked.identifier_value
-- The names on a business's records are its people's (colleagues ordering through one
-- purchasing account), and a record a data owner matched by hand (an accepted suggestion) is
-- vouched for: their names do not count toward the one-person name limit.
where
    blocked.identifier_value is null
    and not (limits.comparison = 'person_name' and identifiers.is_business_record)
    and not (
        limits.comparison = 'person_name'
        and identifiers.record_node_id in (select vouched.record_node_id from vouched)
    )
