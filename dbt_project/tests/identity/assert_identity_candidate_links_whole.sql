-- The identity graph's candidate links (int_identity_resolution__edges, written by the
-- resolution from its model's SQL) each join two record nodes through one identifier value,
-- and no two links join the same records through the same value.
with

links as (

    select * from {{ identity_resolution_relation('edges') }}
    -- depends_on: {{ ref('int_identity_resolution') }}

),

incomplete as (

    select
        record_node_id_a,
        record_node_id_b,
        identifier_type,
        identifier_value,
        'a link without both records or without its value' as problem

    from links
    where
        record_node_id_a is null
        or record_node_id_b is null
        or identifier_type is null
        or identifier_value is null

),

repeated as (

    select
        record_node_id_a,
        record_node_id_b,
        identifier_type,
        identifier_value,
        'the same records linked twice through one value' as problem

    from links
    group by
        record_node_id_a,
        record_node_id_b,
        identifier_type,
        identifier_value
    having count(*) > 1

)

select * from incomplete
union all
select * from repeated
