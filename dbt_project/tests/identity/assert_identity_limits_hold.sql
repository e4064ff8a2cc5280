{{ config(severity='warn') }}

-- No linked profile holds more distinct values of a limited type than seed identity_limits
-- allows, counted as resolution counts them (int_identity_profile_limits: junk values never
-- count, names of one person once). Warns: a profile left over a limit after the last pass is
-- also flagged in identity_cluster_health.
select
    component_node_id,
    identifier_type,
    distinct_values,
    max_per_profile

from {{ ref('int_identity_profile_limits') }}
where is_over_limit
