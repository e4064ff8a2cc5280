-- The one business/personal rule (seed identity_rules, column is_business_scoped): no held link
-- through a business-scoped identifier type (e-mail, phone) joins a business record and a
-- personal record. Resolution applies the same rule when it builds the links.
with

links as (

    select * from {{ ref('identity_links') }}

),

records as (

    select * from {{ ref('int_identity_records') }}

),

scoped_types as (

    select identifier_type
    from {{ ref('identity_rules') }}
    where is_business_scoped

)

select
    links.link_id,
    links.record_id_a,
    links.record_id_b

from links
inner join scoped_types
    on links.identifier_type = scoped_types.identifier_type
inner join records as records_a
    on links.record_id_a = records_a.record_id
inner join records as records_b
    on links.record_id_b = records_b.record_id
where
    links.is_active
    and records_a.is_business_record != records_b.is_business_record
