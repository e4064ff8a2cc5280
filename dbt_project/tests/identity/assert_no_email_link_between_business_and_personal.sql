-- A business profile never merges into a personal one through a shared e-mail: no held e-mail
-- link joins a business record and a personal record.
with

links as (

    select * from {{ ref('identity_links') }}

),

records as (

    select * from {{ ref('int_identity_records') }}

)

select
    links.link_id,
    links.record_id_a,
    links.record_id_b

from links
inner join records as records_a
    on links.record_id_a = records_a.record_id
inner join records as records_b
    on links.record_id_b = records_b.record_id
where
    links.identifier_type = 'email'
    and links.is_active
    and records_a.is_business_record != records_b.is_business_record
