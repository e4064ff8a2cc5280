{{ config(severity='warn') }}

-- No linked profile holds more distinct values of a limited type than seed identity_limits
-- allows (warns: a profile left over a limit after the last pass is also flagged in
-- identity_cluster_health).
with

limit_values as (

    select * from {{ ref('int_identity_limit_values') }}

),

resolution as (

    select * from {{ ref('int_identity_resolution') }}

),

linked_profiles as (

    select component_node_id
    from resolution
    group by component_node_id
    having count(*) > 1

)

select
    resolution.component_node_id,
    limit_values.identifier_type,
    count(distinct limit_values.identifier_value) as distinct_values,
    max(limit_values.max_per_profile) as max_per_profile

from limit_values
inner join resolution
    on limit_values.record_node_id = resolution.record_node_id
inner join linked_profiles
    on resolution.component_node_id = linked_profiles.component_node_id
group by
    resolution.component_node_id,
    limit_values.identifier_type
having count(distinct limit_values.identifier_value) > max(limit_values.max_per_profile)
