-- Why records belong together: every candidate link of the identity graph (a star per
-- identifier value from the first record carrying it), with the rule that made it and whether
-- it held. Together with customer_source_map this explains any profile record by record.
-- Links dropped by a limit (`dropped_in_pass`) do not connect their records.

with

links as (

    select * from {{ identity_resolution_relation('edges') }}

),

-- depends_on: {{ ref('int_identity_resolution') }}
records as (

    select * from {{ ref('int_identity_records') }}

),

-- The customer of every record, as customer_source_map gives it (read from the id registry it is
-- made from, so the links need not wait for the map).
registry as (

    select * from {{ ref('int_identity_id_registry') }}
    where is_active

),

-- Each record node's record and customer, joined once (not once per end of every link).
record_customers as (

    select
        records.record_node_id,
        records.record_id,
        registry.customer_id

    from records
    inner join registry
        on records.record_id = registry.record_id

)

select
    -- ids
    {{ dbt.hash(dbt.concat([
        'records_a.record_id', "'|'", 'records_b.record_id', "'|'", 'links.identifier_type', "'|'",
        'links.identifier_value', "'|'", 'links.match_scope'
    ])) }} as link_id,
    records_a.customer_id as customer_id_a,
    records_b.customer_id as customer_id_b,
    records_a.record_id as record_id_a,
    records_b.record_id as record_id_b,

    -- strings
    links.identifier_type,
    links.identifier_value,
    links.match_scope,
    links.rule_name,
    case when links.is_active then 'linked' else 'dropped_by_limit' end as link_status,

    -- numerics
    links.link_priority,
    links.dropped_in_pass,

    -- booleans
    links.is_active

from links
inner join record_customers as records_a
    on links.record_node_id_a = records_a.record_node_id
inner join record_customers as records_b
    on links.record_node_id_b = records_b.record_node_id
