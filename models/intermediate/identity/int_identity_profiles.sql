-- Every record with the profile (connected component) it resolved to, and what the profile is:
-- its anchor (the first record of the profile, by first-seen time), its size, and whether it
-- is a business profile (any business record in it: company accounts, Amazon Business buyers).

with

records as {{ inline_cte() }} (

    select * from {{ ref('int_identity_records') }}

),

resolution as (

    select * from {{ ref('int_identity_resolution') }}

),

resolved as (

    select
        records.record_node_id,
        records.record_id,
        records.source_system,
        records.source_entity,
        records.source_key,
        records.is_business_record,
        records.is_person_record,
        records.first_seen_at,
        records.last_seen_at,
        resolution.component_node_id

    from records
    inner join resolution
        on records.record_node_id = resolution.record_node_id

),

profiles as (

    select
        component_node_id,
        count(*) as profile_records,
        max(case when is_business_record then 1 else 0 end) = 1 as is_business_profile,
        min(first_seen_at) as profile_first_seen_at

    from resolved
    group by component_node_id

)

select
    -- ids
    resolved.record_node_id,
    resolved.record_id,
    resolved.source_system,
    resolved.source_entity,
    resolved.source_key,
    resolved.component_node_id,
    anchors.record_id as anchor_record_id,

    -- numerics
    profiles.profile_records,

    -- booleans
    resolved.is_business_record,
    resolved.is_person_record,
    profiles.is_business_profile,

    -- timestamps
    resolved.first_seen_at,
    resolved.last_seen_at,
    profiles.profile_first_seen_at

from resolved
inner join profiles
    on resolved.component_node_id = profiles.component_node_id
inner join records as anchors
    on resolved.component_node_id = anchors.record_node_id
