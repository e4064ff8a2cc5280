{{ config(
    materialized='incremental',
    full_refresh=false,
    on_schema_change='fail',
) }}

-- What happened to customer ids, run by run (append-only; kept through full refreshes):
-- `merge` (two profiles became one: the older id survives, the other is retired into it),
-- `split` (part of a profile left it and got a new id), `move` (records left one profile for
-- another existing one), `retire` (every record of a profile disappeared from the sources).
-- customer_id_aliases follows these events from any id ever issued to its current id.

{%- set run_at = identity_run_timestamp() %}

with

registry as {{ inline_cte() }} (

    select * from {{ ref('int_identity_id_registry') }}

),

changed as (

    select * from registry
    where
        assigned_at = {{ run_at }}
        and last_change in ('moved', 'removed')

),

live_ids as (

    select distinct customer_id
    from registry
    where is_active

),

moves as (

    select
        changed.previous_customer_id as old_customer_id,
        changed.customer_id as new_customer_id,
        max(changed.customer_id_created_at) as new_customer_id_created_at,
        count(*) as records_moved

    from changed
    where changed.last_change = 'moved'
    group by
        changed.previous_customer_id,
        changed.customer_id

),

retirements as (

    select
        changed.customer_id as old_customer_id,
        cast(null as {{ dbt.type_string() }}) as new_customer_id,
        count(*) as records_moved

    from changed
    left join live_ids
        on changed.customer_id = live_ids.customer_id
    left join moves
        on changed.customer_id = moves.old_customer_id
    where
        changed.last_change = 'removed'
        and live_ids.customer_id is null
        and moves.old_customer_id is null
    group by changed.customer_id

),

events as (

    select
        case
            when live_ids.customer_id is null then 'merge'
            when moves.new_customer_id_created_at = {{ run_at }} then 'split'
            else 'move'
        end as event_type,
        moves.old_customer_id,
        moves.new_customer_id,
        moves.records_moved

    from moves
    left join live_ids
        on moves.old_customer_id = live_ids.customer_id

    union all

    select
        'retire' as event_type,
        old_customer_id,
        new_customer_id,
        records_moved

    from retirements

)

select
    -- ids
    {{ dbt.hash(dbt.concat([
        identity_invocation_id(), "'|'", 'event_type', "'|'", 'old_customer_id', "'|'",
        "coalesce(new_customer_id, '')"
    ])) }} as merge_event_id,
    old_customer_id,
    new_customer_id,
    {{ identity_invocation_id() }} as invocation_id,

    -- strings
    event_type,

    -- numerics
    records_moved,

    -- timestamps
    {{ run_at }} as happened_at

from events
