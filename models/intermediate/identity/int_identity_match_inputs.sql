-- One row per resolved profile with the weak identifiers probabilistic matching compares
-- (identity/suggest.py, Splink): the profile's most common first and last name, e-mail local
-- part and domain, phone, street line, postal code, city and country. `profile_record_id` is the
-- profile's anchor record: suggested pairs name records, so they stay valid when profiles are
-- recomputed. Only linkable values (not blocklisted) are used.

with

profiles as {{ inline_cte() }} (

    select * from {{ ref('int_identity_profiles') }}

),

identifiers as (

    select * from {{ ref('int_identifiers') }}

),

value_rules as (

    select * from {{ ref('int_identity_identifier_rules') }}

),

rules as (

    select * from {{ ref('identity_rules') }}

),

-- The blocklisted values (a handful).
blocked as (

    {{ identity_blocked_values_sql('value_rules') }}

),

-- Each record's values once (a value carried by business and personal records has a rule row
-- per scope; it still counts once per record).
usable as (

    select
        profiles.component_node_id,
        identifiers.identifier_type,
        identifiers.identifier_value

    from identifiers
    inner join profiles
        on identifiers.record_node_id = profiles.record_node_id
    inner join rules
        on identifiers.identifier_type = rules.identifier_type
    left join blocked
        on
            identifiers.identifier_type = blocked.identifier_type
            and identifiers.identifier_value = blocked.identifier_value
    where
        blocked.identifier_value is null
        and identifiers.identifier_type in ('person_name', 'email', 'phone', 'postal_address')

),

counted as (

    select
        component_node_id,
        identifier_type,
        identifier_value,
        count(*) as carriers

    from usable
    group by
        component_node_id,
        identifier_type,
        identifier_value

),

ranked as (

    select
        component_node_id,
        identifier_type,
        identifier_value,
        row_number() over (
            partition by component_node_id, identifier_type
            order by carriers desc, identifier_value asc
        ) as value_rank

    from counted

),

best as (

    select
        component_node_id,
        max(case when identifier_type = 'person_name' then identifier_value end) as person_name,
        max(case when identifier_type = 'email' then identifier_value end) as email,
        max(case when identifier_type = 'phone' then identifier_value end) as phone,
        max(case when identifier_type = 'postal_address' then identifier_value end) as postal_address

    from ranked
    where value_rank = 1
    group by component_node_id

),

anchors as (

    select distinct
        component_node_id,
        anchor_record_id,
        is_business_profile

    from profiles

),

cities as (

    select
        profiles.component_node_id,
        min(lower(trim(customers.city))) as city

    from {{ ref('stg_shopify__customers') }} as customers
    inner join profiles
        on
            profiles.source_system = 'shopify'
            and profiles.source_entity = 'customer'
            and profiles.source_key = cast(customers.customer_id as {{ dbt.type_string() }})
    group by profiles.component_node_id

)

select
    -- ids
    anchors.component_node_id,
    anchors.anchor_record_id as profile_record_id,

    -- strings
    nullif({{ dbt.split_part('best.person_name', "'|'", 1) }}, '') as first_name,
    nullif({{ dbt.split_part('best.person_name', "'|'", 2) }}, '') as last_name,
    nullif({{ dbt.split_part('best.email', "'@'", 1) }}, '') as email_local,
    nullif({{ dbt.split_part('best.email', "'@'", 2) }}, '') as email_domain,
    best.phone,
    nullif({{ dbt.split_part('best.postal_address', "'|'", 1) }}, '') as address_line,
    nullif({{ dbt.split_part('best.postal_address', "'|'", 2) }}, '') as postal_code,
    nullif({{ dbt.split_part('best.postal_address', "'|'", 3) }}, '') as country_code,
    cities.city,

    -- booleans
    anchors.is_business_profile

from anchors
inner join best
    on anchors.component_node_id = best.component_node_id
left join cities
    on anchors.component_node_id = cities.component_node_id
