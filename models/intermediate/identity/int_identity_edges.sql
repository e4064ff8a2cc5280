-- The candidate links of the identity graph: for every identifier value that may link
-- (status `linking` in int_identity_identifier_rules), a star from the first record that
-- carried it (the anchor) to every other record carrying it. A star per value is enough for
-- connectivity and keeps the edge count linear in the number of identifier rows.

with

identifiers as (

    select * from {{ ref('int_identifiers') }}

),

value_rules as (

    select * from {{ ref('int_identity_identifier_rules') }}
    where link_status = 'linking'

),

rules as (

    select * from {{ ref('identity_rules') }}

),

linking as (

    select
        identifiers.record_node_id,
        identifiers.identifier_type,
        identifiers.identifier_value,
        value_rules.match_scope,
        value_rules.link_priority

    from identifiers
    inner join rules
        on identifiers.identifier_type = rules.identifier_type
    inner join value_rules
        on
            identifiers.identifier_type = value_rules.identifier_type
            and identifiers.identifier_value = value_rules.identifier_value
            and value_rules.match_scope = case
                when not rules.is_business_scoped then 'any'
                when identifiers.is_business_record then 'business'
                else 'personal'
            end

),

anchored as (

    select
        record_node_id,
        identifier_type,
        identifier_value,
        match_scope,
        link_priority,
        min(record_node_id) over (
            partition by identifier_type, identifier_value, match_scope
        ) as anchor_node_id

    from linking

)

select
    -- ids
    anchor_node_id as record_node_id_a,
    record_node_id as record_node_id_b,

    -- strings
    identifier_type,
    identifier_value,
    match_scope,
    {{ dbt.concat(["'exact_match:'", 'identifier_type']) }} as rule_name,

    -- numerics
    link_priority

from anchored
where record_node_id != anchor_node_id
