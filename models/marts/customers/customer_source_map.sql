-- The documented mapping of every actor record to its customer: one row per (source_system,
-- source_entity, source_key) as the facts name their actor, with the stable `customer_id`.
-- Facts join here on (actor_source_system, actor_entity, actor_key); they never carry
-- customer_id themselves, so re-resolving identities never forces a rebuild of the facts.

with

registry as (

    select * from {{ ref('int_identity_id_registry') }}
    where is_active

),

profiles as (

    select * from {{ ref('int_identity_profiles') }}

)

select
    -- ids
    registry.source_system,
    registry.source_entity,
    registry.source_key,
    registry.customer_id,
    registry.record_id,

    -- numerics
    profiles.profile_records,

    -- booleans
    profiles.is_business_profile,
    profiles.is_business_record,

    -- timestamps
    profiles.first_seen_at,
    profiles.last_seen_at,
    registry.assigned_at,
    registry.customer_id_created_at

from registry
inner join profiles
    on registry.record_id = profiles.record_id
