{{ config(
    materialized='identity_resolution',
    nodes_model='int_identity_records',
    limit_values_model='int_identity_limit_values',
) }}

-- depends_on: {{ ref('int_identity_records') }}
-- depends_on: {{ ref('int_identity_limit_values') }}
-- depends_on: {{ ref('int_identity_nickname_pairs') }}

-- Profiles: the connected components of the identity graph after the rules. The SQL below
-- gives the candidate links; the `identity_resolution` materialization resolves them, enforces
-- the limits per profile (dropping the lowest-priority links of a profile that breaks one) and
-- asserts convergence. Beside this table it writes `int_identity_resolution__edges` (every
-- candidate link with its scope and rule, active or dropped) and `int_identity_resolution__log`
-- (passes and limits).

select
    record_node_id_a,
    record_node_id_b,
    identifier_type,
    identifier_value,
    link_priority,
    -- carried to the __edges table for identity_links
    match_scope,
    rule_name

from {{ ref('int_identity_edges') }}
