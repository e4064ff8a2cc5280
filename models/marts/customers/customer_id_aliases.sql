-- Every customer id ever issued, with the id that stands for it now: itself while it is live,
-- the surviving id after merge_events (followed through chains of merge_events), or none once every record
-- of it disappeared. Downstream tools that stored an old id look it up here.

with recursive

history as {{ inline_cte() }} (

    select * from {{ ref('identity_merge_history') }}

),

registry as {{ inline_cte() }} (

    select * from {{ ref('int_identity_id_registry') }}

),

merge_events as (

    select
        old_customer_id,
        new_customer_id,
        happened_at

    from history
    where event_type = 'merge'

),

merge_chains (customer_id, current_customer_id, merged_at, hops) as (

    select
        old_customer_id as customer_id,
        new_customer_id as current_customer_id,
        happened_at as merged_at,
        1 as hops

    from merge_events

    union all

    select
        merge_chains.customer_id,
        merge_events.new_customer_id as current_customer_id,
        merge_chains.merged_at,
        merge_chains.hops + 1 as hops

    from merge_chains
    inner join merge_events
        on merge_chains.current_customer_id = merge_events.old_customer_id
    where merge_chains.hops < 100

),

followed as (

    select
        customer_id,
        current_customer_id,
        merged_at,
        row_number() over (partition by customer_id order by hops desc) as depth_rank

    from merge_chains

),

live_ids as (

    select distinct customer_id
    from registry
    where is_active

),

issued_ids as (

    select customer_id from registry
    union
    select old_customer_id as customer_id from history
    union
    select new_customer_id as customer_id from history
    where new_customer_id is not null

)

select
    -- ids
    issued_ids.customer_id,
    case
        when live_ids.customer_id is not null then issued_ids.customer_id
        else followed.current_customer_id
    end as current_customer_id,

    -- strings
    case
        when live_ids.customer_id is not null then 'live'
        when followed.current_customer_id is not null then 'merged'
        else 'retired'
    end as id_status,

    -- timestamps
    followed.merged_at

from issued_ids
left join live_ids
    on issued_ids.customer_id = live_ids.customer_id
left join followed
    on
        issued_ids.customer_id = followed.customer_id
        and followed.depth_rank = 1
