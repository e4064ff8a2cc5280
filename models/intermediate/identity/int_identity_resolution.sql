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
-- candidate link with its scope and rule, active or dropped: written once, here) and
-- `int_identity_resolution__log` (passes and limits).
--
-- The candidate links of the identity graph: for every identifier value that may link
-- (status `linking` in int_identity_identifier_rules), a star from the first record that
-- carried it (the anchor) to every other record carrying it. A star per value is enough for
-- connectivity and keeps the edge count linear in the number of identifier rows.
--
-- A shared value whose type is split by an evidence type (`split_by_type`, e.g. a household's
-- store account split by person name) makes one star per group of records naming the same
-- person instead (rule `split_by_<evidence type>:<type>`); records without a name do not link.

with

identifiers as {{ inline_cte() }} (

    select * from {{ ref('int_identifiers') }}

),

all_value_rules as {{ inline_cte() }} (

    select * from {{ ref('int_identity_identifier_rules') }}

),

value_rules as (

    select * from all_value_rules
    where link_status = 'linking'

),

split_rules as (

    select * from all_value_rules
    where split_by_type is not null

),

split_types as (

    select distinct split_by_type
    from split_rules

),

rules as (

    select * from {{ ref('identity_rules') }}

),

-- The blocklisted values (a handful).
blocked_values as (

    {{ identity_blocked_values_sql('all_value_rules') }}

),

-- The evidence each record carries for splitting (one value per record and type; not blocked).
record_evidence as (

    select
        identifiers.record_node_id,
        identifiers.identifier_type as evidence_type,
        min(identifiers.identifier_value) as evidence_value

    from identifiers
    inner join split_types
        on identifiers.identifier_type = split_types.split_by_type
    inner join rules as evidence_rules
        on identifiers.identifier_type = evidence_rules.identifier_type
    left join blocked_values
        on
            identifiers.identifier_type = blocked_values.identifier_type
            and identifiers.identifier_value = blocked_values.identifier_value
    where blocked_values.identifier_value is null
    group by
        identifiers.record_node_id,
        identifiers.identifier_type

),

scoped as {{ inline_cte() }} (

    select
        identifiers.record_node_id,
        identifiers.identifier_type,
        identifiers.identifier_value,
        {{ identity_match_scope('rules.is_business_scoped', 'identifiers.is_business_record') }}
            as match_scope

    from identifiers
    inner join rules
        on identifiers.identifier_type = rules.identifier_type

),

-- Records carrying a split value (a few million of the identifiers), computed first
-- (identity_cte_hint): DuckDB otherwise joins every identifier to its record's evidence before
-- keeping the split ones, and probed 26.8M rows instead of 2.9M at a million customers.
split_values as {{ identity_cte_hint() }} (

    select
        scoped.record_node_id,
        scoped.identifier_type,
        scoped.identifier_value,
        scoped.match_scope,
        split_rules.link_priority,
        split_rules.split_by_type

    from scoped
    inner join split_rules
        on
            scoped.identifier_type = split_rules.identifier_type
            and scoped.identifier_value = split_rules.identifier_value
            and scoped.match_scope = split_rules.match_scope

),

-- The split values' records with the evidence they carry.
split_records as (

    select
        split_values.record_node_id,
        split_values.identifier_type,
        split_values.identifier_value,
        split_values.match_scope,
        split_values.link_priority,
        split_values.split_by_type,
        record_evidence.evidence_value

    from split_values
    inner join record_evidence
        on
            split_values.record_node_id = record_evidence.record_node_id
            and split_values.split_by_type = record_evidence.evidence_type

),

-- The people named under each split value, told apart with tolerance: records naming the same
-- person (Bob/Robert Brown) share a group; a first name alone that fits several has none.
split_groups as (

    {{ identity_name_groups_sql(
        "select identifier_type, identifier_value, match_scope, evidence_value as name_key from split_records",
        ['identifier_type', 'identifier_value', 'match_scope']
    ) }}

),

-- A linking value's star starts at the first record carrying it (int_identity_identifier_rules
-- has it); a split value's at the first record of each group of records naming one person.
linking as (

    select
        scoped.record_node_id,
        scoped.identifier_type,
        scoped.identifier_value,
        scoped.match_scope,
        value_rules.link_priority,
        cast(null as {{ dbt.type_string() }}) as split_by_type,
        value_rules.first_record_node_id as anchor_node_id

    from scoped
    inner join value_rules
        on
            scoped.identifier_type = value_rules.identifier_type
            and scoped.identifier_value = value_rules.identifier_value
            and scoped.match_scope = value_rules.match_scope

),

split_linking as (

    select
        split_records.record_node_id,
        split_records.identifier_type,
        split_records.identifier_value,
        split_records.match_scope,
        split_records.link_priority,
        split_records.split_by_type,
        split_groups.name_group as split_value

    from split_records
    inner join split_groups
        on
            split_records.identifier_type = split_groups.identifier_type
            and split_records.identifier_value = split_groups.identifier_value
            and split_records.match_scope = split_groups.match_scope
            and split_records.evidence_value = split_groups.name_key
    where split_groups.name_group is not null

),

anchored as (

    select
        record_node_id,
        identifier_type,
        identifier_value,
        match_scope,
        link_priority,
        split_by_type,
        anchor_node_id

    from linking

    union all

    select
        record_node_id,
        identifier_type,
        identifier_value,
        match_scope,
        link_priority,
        split_by_type,
        min(record_node_id) over (
            partition by identifier_type, identifier_value, match_scope, split_value
        ) as anchor_node_id

    from split_linking

)

-- The candidate links, in the columns the materialization reads (match scope and rule are
-- carried to the __edges table for identity_links).
select
    -- ids
    anchor_node_id as record_node_id_a,
    record_node_id as record_node_id_b,

    -- strings
    identifier_type,
    identifier_value,

    -- numerics
    link_priority,

    -- strings carried
    match_scope,
    case
        when split_by_type is null then {{ dbt.concat(["'exact_match:'", 'identifier_type']) }}
        else {{ dbt.concat(["'split_by_'", 'split_by_type', "':'", 'identifier_type']) }}
    end as rule_name

from anchored
where record_node_id != anchor_node_id
