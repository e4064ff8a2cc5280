-- Distinct values of every limited identifier type per linked profile, counted exactly as the
-- identity_resolution materialization counts them (identity_limit_counts_sql: blocklisted
-- values left out, names of one person counted once). The dbt test and the Great Expectations
-- check read this model, so a check flags only what resolution itself treats as a violation.

with

resolution as {{ inline_cte() }} (

    select * from {{ ref('int_identity_resolution') }}

),

limit_values as (

    select * from {{ ref('int_identity_limit_values') }}

),

linked_profiles as (

    select component_node_id
    from resolution
    group by component_node_id
    having count(*) > 1

),

components as (

    select
        resolution.record_node_id as node_id,
        resolution.component_node_id as component_id

    from resolution
    inner join linked_profiles
        on resolution.component_node_id = linked_profiles.component_node_id

),

counted as (

    {{ identity_limit_counts_sql('components', 'limit_values') }}

)

select
    -- ids
    component_id as component_node_id,

    -- strings
    identifier_type,

    -- numerics
    distinct_values,
    max_per_profile,

    -- booleans
    distinct_values > max_per_profile as is_over_limit

from counted
