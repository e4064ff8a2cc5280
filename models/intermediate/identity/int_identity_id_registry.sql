{{ config(
    materialized='incremental',
    unique_key='record_id',
    full_refresh=false,
    on_schema_change='fail',
) }}

-- The customer id of every record, kept across runs and full refreshes (`full_refresh: false`:
-- `dbt build --full-refresh` keeps this table, so ids survive it). Each run re-resolves the
-- profiles and hands out ids against the previous assignment (this table):
--
-- * every previous id is inherited by the one profile that now holds most of its records (ties:
--   the profile with the earliest record); a profile inheriting several ids keeps the oldest
--   (earliest issued, then earliest first seen) and the others are merged into it;
-- * a profile inheriting none gets a new id: a split part (its records had an id that stayed
--   with another profile) or a new person. New ids depend only on the previous registry and the
--   current profiles (no run id), so two builds of the same data on the same registry, a daily
--   run and a full refresh, give the same ids:
--   - anchor (the profile's first record) new to the registry: `cus_` + hash(anchor), as on an
--     empty registry. The registry keeps every record it ever saw, so this id was never issued;
--   - anchor already in the registry (a split part anchored where the original profile was, a
--     record come back after being removed): hash(anchor) may have been issued, so
--     `cus_` + hash(anchor | N), N = when the anchor got its previous id (`assigned_at` in
--     seconds; every id the anchor gets moves it to that run's start), so no salted id is issued
--     twice. Neither "is the candidate among the registry's ids" nor a count of ids works here:
--     an id merged into another leaves the registry once its records have moved, and merges
--     make the count fall;
-- * records that disappeared from the sources stay, inactive, with their last id.
--
-- A run writes only the rows it changes (new, moved, restored or removed records), with
-- `assigned_at` = the run's start; identity_merge_history turns them into merge and split events.
-- A record that keeps its id keeps its row.

{%- set run_at = identity_run_timestamp() %}
{#- the salt of a new id whose anchor had an id before: when it got that id, in whole seconds -#}
{%- set salt = dbt.datediff(earliest_timestamp(), 'anchor_previous_assigned_at', 'second') %}

with

profiles as {{ inline_cte() }} (

    select * from {{ ref('int_identity_profiles') }}

),

previous as (

    {% if is_incremental() %}
        select
            record_id,
            customer_id,
            customer_id_created_at,
            customer_first_seen_at,
            assigned_at,
            first_assigned_at,
            is_active

        from {{ this }}
    {% else %}
        select
            cast(null as {{ dbt.type_string() }}) as record_id,
            cast(null as {{ dbt.type_string() }}) as customer_id,
            cast(null as {{ dbt.type_timestamp() }}) as customer_id_created_at,
            cast(null as {{ dbt.type_timestamp() }}) as customer_first_seen_at,
            cast(null as {{ dbt.type_timestamp() }}) as assigned_at,
            cast(null as {{ dbt.type_timestamp() }}) as first_assigned_at,
            cast(null as {{ dbt.type_boolean() }}) as is_active

        where 1 = 0
    {% endif %}

),

previous_active as (

    select * from previous
    where is_active

),

-- How many records of each previous id every current profile holds.
claims as (

    select
        profiles.component_node_id,
        previous_active.customer_id,
        previous_active.customer_id_created_at,
        previous_active.customer_first_seen_at,
        count(*) as claimed_records

    from profiles
    inner join previous_active
        on profiles.record_id = previous_active.record_id
    group by
        profiles.component_node_id,
        previous_active.customer_id,
        previous_active.customer_id_created_at,
        previous_active.customer_first_seen_at

),

-- Each previous id goes to one profile: the one holding most of its records.
heirs as (

    select
        component_node_id,
        customer_id,
        customer_id_created_at,
        customer_first_seen_at,
        row_number() over (
            partition by customer_id
            order by claimed_records desc, component_node_id asc
        ) as heir_rank

    from claims

),

-- A profile inheriting several ids keeps the oldest one.
survivors as (

    select
        component_node_id,
        customer_id,
        customer_id_created_at,
        customer_first_seen_at,
        row_number() over (
            partition by component_node_id
            order by customer_id_created_at, customer_first_seen_at, customer_id
        ) as survivor_rank

    from heirs
    where heir_rank = 1

),

profile_ids as (

    select distinct
        profiles.component_node_id,
        profiles.anchor_record_id,
        profiles.profile_first_seen_at,
        survivors.customer_id as surviving_customer_id,
        survivors.customer_id_created_at as surviving_created_at,
        survivors.customer_first_seen_at as surviving_first_seen_at,
        anchors.record_id as anchor_previous_record_id,
        anchors.assigned_at as anchor_previous_assigned_at

    from profiles
    left join survivors
        on
            profiles.component_node_id = survivors.component_node_id
            and survivors.survivor_rank = 1
    -- the anchor's previous row (active or not): none for a record new to the registry
    left join previous as anchors
        on profiles.anchor_record_id = anchors.record_id

),

assigned_ids as (

    select
        component_node_id,
        case
            when surviving_customer_id is not null then surviving_customer_id
            when anchor_previous_record_id is null
                then {{ dbt.concat(["'cus_'", 'substr(' ~ dbt.hash('anchor_record_id') ~ ', 1, 20)']) }}
            else {{ dbt.concat(["'cus_'", 'substr(' ~ dbt.hash(dbt.concat([
                'anchor_record_id', "'|'", dbt.cast(salt, dbt.type_string())
            ])) ~ ', 1, 20)']) }}
        end as customer_id,
        coalesce(surviving_created_at, {{ run_at }}) as customer_id_created_at,
        coalesce(surviving_first_seen_at, profile_first_seen_at) as customer_first_seen_at

    from profile_ids

),

current_records as (

    select
        profiles.record_id,
        profiles.source_system,
        profiles.source_entity,
        profiles.source_key,
        assigned_ids.customer_id,
        assigned_ids.customer_id_created_at,
        assigned_ids.customer_first_seen_at,
        previous.customer_id as previous_customer_id,
        previous.first_assigned_at as previous_first_assigned_at,
        previous.is_active as was_active

    from profiles
    inner join assigned_ids
        on profiles.component_node_id = assigned_ids.component_node_id
    left join previous
        on profiles.record_id = previous.record_id

),

-- Records gone from the sources since the last run keep their last id, inactive (a record
-- removed before keeps its row).
removed_records as (

    select previous_active.record_id

    from previous_active
    left join profiles
        on previous_active.record_id = profiles.record_id
    where profiles.record_id is null

)

select
    -- ids
    record_id,
    source_system,
    source_entity,
    source_key,
    customer_id,
    previous_customer_id,

    -- strings
    case
        when previous_customer_id is null then 'new_record'
        when previous_customer_id != customer_id then 'moved'
        else 'restored'
    end as last_change,

    -- booleans
    true as is_active,

    -- timestamps
    customer_id_created_at,
    customer_first_seen_at,
    {{ run_at }} as assigned_at,
    coalesce(previous_first_assigned_at, {{ run_at }}) as first_assigned_at

from current_records
-- A record active under the same id is left as it is (its row says what its last change was):
-- on a daily run that is nearly every record, so only the changes are written.
where
    previous_customer_id is null
    or previous_customer_id != customer_id
    or not was_active

{% if is_incremental() %}
    union all

    select
    -- ids
        this_registry.record_id,
        this_registry.source_system,
        this_registry.source_entity,
        this_registry.source_key,
        this_registry.customer_id,
        this_registry.customer_id as previous_customer_id,

        -- strings
        'removed' as last_change,

        -- booleans
        false as is_active,

        -- timestamps
        this_registry.customer_id_created_at,
        this_registry.customer_first_seen_at,
        {{ run_at }} as assigned_at,
        this_registry.first_assigned_at

    from {{ this }} as this_registry
    inner join removed_records
        on this_registry.record_id = removed_records.record_id
{% endif %}
