-- Support per customer: tickets requested by any help-desk user of the profile (created up to
-- `as_of`), how many are still open (new, open, pending, on hold), and the latest answered
-- satisfaction rating (good or bad; a survey left at `offered` is no answer).

with

registry as {{ inline_cte() }} (

    select * from {{ ref('int_identity_id_registry') }}
    where is_active

),

tickets as (

    select
        {{ dbt.concat(["'zendesk:user:'", dbt.cast('requester_id', dbt.type_string())]) }} as record_id,
        ticket_id,
        ticket_status,
        created_at

    from {{ ref('stg_zendesk__tickets') }}
    where created_at <= {{ as_of_timestamp() }}

),

ratings as (

    select
        {{ dbt.concat(["'zendesk:user:'", dbt.cast('requester_id', dbt.type_string())]) }} as record_id,
        rating_score,
        coalesce(updated_at, created_at) as rated_at

    from {{ ref('stg_zendesk__satisfaction_ratings') }}
    where
        rating_score in ('good', 'bad')
        and coalesce(updated_at, created_at) <= {{ as_of_timestamp() }}

),

ticket_totals as (

    select
        registry.customer_id,
        count(distinct tickets.ticket_id) as tickets_count,
        count(distinct case
            when tickets.ticket_status in ('new', 'open', 'pending', 'hold') then tickets.ticket_id
        end) as open_tickets_count,
        max(tickets.created_at) as last_ticket_at

    from tickets
    inner join registry
        on tickets.record_id = registry.record_id
    group by registry.customer_id

),

latest_ratings as (

    select
        registry.customer_id,
        ratings.rating_score,
        ratings.rated_at,
        row_number() over (partition by registry.customer_id order by ratings.rated_at desc) as rating_rank

    from ratings
    inner join registry
        on ratings.record_id = registry.record_id

)

select
    -- ids
    ticket_totals.customer_id,

    -- strings
    latest_ratings.rating_score as last_satisfaction_score,

    -- numerics
    ticket_totals.tickets_count,
    ticket_totals.open_tickets_count,

    -- timestamps
    ticket_totals.last_ticket_at,
    latest_ratings.rated_at as last_satisfaction_at

from ticket_totals
left join latest_ratings
    on
        ticket_totals.customer_id = latest_ratings.customer_id
        and latest_ratings.rating_rank = 1
