-- Every actor record of the identity graph maps to exactly one customer.
with

records as (

    select * from {{ ref('int_identity_records') }}

),

source_map as (

    select * from {{ ref('customer_source_map') }}

),

mapped as (

    select
        record_id,
        count(distinct customer_id) as customers

    from source_map
    group by record_id

)

select
    records.record_id,
    mapped.customers

from records
left join mapped
    on records.record_id = mapped.record_id
where coalesce(mapped.customers, 0) != 1
