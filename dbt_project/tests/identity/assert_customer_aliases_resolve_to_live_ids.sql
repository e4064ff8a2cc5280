-- Every id ever issued that was merged away leads to a live id, and every live id is in the map.
with

aliases as (

    select * from {{ ref('customer_id_aliases') }}

),

source_map as (

    select distinct customer_id from {{ ref('customer_source_map') }}

)

select
    aliases.customer_id,
    aliases.current_customer_id,
    aliases.id_status

from aliases
left join source_map
    on aliases.current_customer_id = source_map.customer_id
where
    aliases.id_status in ('live', 'merged')
    and source_map.customer_id is null
