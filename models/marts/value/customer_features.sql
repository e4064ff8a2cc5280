-- One row per known customer (the population of customer_lifecycle) with the features segment
-- rules are written against (see segment_membership): orders and value, RFM, lifecycle,
-- storefront sessions and carts, activity, complaints, subscription and seasonality, all as of
-- as_of. Prospects have zero orders and null order-based features.

{%- set session_gap_minutes = var('value_session_gap_minutes', 30) | int %}
{%- set open_days = var('value_complaint_open_days', 14) | int %}

with

customer_lifecycle as (

    select * from {{ ref('customer_lifecycle') }}

),

customer_ltv as (

    select * from {{ ref('customer_ltv') }}

),

customer_rfm as (

    select * from {{ ref('customer_rfm') }}

),

customer_orders as (

    select * from {{ ref('customer_orders') }}

),

source_map as (

    select * from {{ ref('customer_source_map') }}

),

clv_scores as (

    -- predicted CLV of the CLV step (fitted between the two phases of the build), for segments
    select
        customer_id,
        predicted_clv,
        probability_alive

    from {{ source('clv', 'customer_clv') }}

),

events as (

    select
        source_map.customer_id,
        fct_events.event_id,
        fct_events.event_name,
        fct_events.rating,
        fct_events.occurred_at

    from {{ ref('fct_events') }} as fct_events
    inner join source_map
        on {{ actor_is_source_record('fct_events') }}
    where fct_events.occurred_at <= {{ as_of_timestamp() }}

),

browsing as (

    select
        customer_id,
        occurred_at,
        case
            when
                lag(occurred_at) over (partition by customer_id order by occurred_at, event_id) is null
                or {{ value_datediff(
                    'minute',
                    'lag(occurred_at) over (partition by customer_id order by occurred_at, event_id)',
                    'occurred_at'
                ) }} > {{ session_gap_minutes }}
                then 1
            else 0
        end as is_session_start

    from events
    where event_name in {{ value_in_list('value_events_browsing') }}

),

sessions as (

    select
        customer_id,
        sum(is_session_start) as sessions_count,
        sum(
            case
                when occurred_at > {{ value_dateadd('day', -30, as_of_timestamp()) }}
                    then is_session_start
                else 0
            end
        ) as sessions_30d,
        max(occurred_at) as last_browsed_at

    from browsing
    group by customer_id

),

event_features as (

    select
        customer_id,
        max(case when event_name not in {{ value_in_list('value_events_passive') }} then occurred_at end)
            as last_activity_at,
        max(case when event_name in {{ value_in_list('value_events_cart') }} then occurred_at end)
            as last_cart_at,
        min(case when event_name in {{ value_in_list('value_events_subscribed') }} then occurred_at end)
            as first_subscribed_at,
        sum(
            case
                when
                    event_name in {{ value_in_list('value_events_complaint') }}
                    or (
                        event_name in {{ value_in_list('value_events_review') }}
                        and rating <= {{ var('value_complaint_max_rating', 2) }}
                    )
                    then 1
                else 0
            end
        ) as complaints_count,
        max(
            case
                when
                    event_name in {{ value_in_list('value_events_complaint') }}
                    or (
                        event_name in {{ value_in_list('value_events_review') }}
                        and rating <= {{ var('value_complaint_max_rating', 2) }}
                    )
                    then occurred_at
            end
        ) as last_complaint_at

    from events
    group by customer_id

),

seasonal_orders as (

    select
        customer_id,
        case
            when extract(month from ordered_at) in (12, 1, 2) then 'winter'
            when extract(month from ordered_at) in (3, 4, 5) then 'spring'
            when extract(month from ordered_at) in (6, 7, 8) then 'summer'
            else 'autumn'
        end as season,
        -- December belongs to the winter of the following year
        extract(year from ordered_at) + case when extract(month from ordered_at) = 12 then 1 else 0 end
            as season_year

    from customer_orders

),

seasons as (

    select
        customer_id,
        season,
        count(*) as orders_count,
        count(distinct season_year) as season_years,
        row_number() over (
            partition by customer_id order by count(*) desc, count(distinct season_year) desc, season
        ) as season_rank

    from seasonal_orders
    group by customer_id, season

),

final as (

    select
        -- ids
        customer_lifecycle.customer_id,

        -- strings
        customer_lifecycle.lifecycle_stage,
        customer_lifecycle.customer_status,
        customer_rfm.rfm_segment,
        customer_ltv.first_order_channel,
        seasons.season as top_season,

        -- numerics
        customer_lifecycle.orders_count,
        coalesce(customer_ltv.net_revenue, 0) as net_revenue,
        coalesce(customer_ltv.gross_revenue, 0) as gross_revenue,
        customer_ltv.average_order_value,
        customer_ltv.ltv_decile,
        customer_rfm.r_score,
        customer_rfm.f_score,
        customer_rfm.m_score,
        customer_lifecycle.days_since_first_order,
        customer_lifecycle.days_since_last_order,
        coalesce(sessions.sessions_count, 0) as sessions_count,
        coalesce(sessions.sessions_30d, 0) as sessions_30d,
        {{ value_datediff('day', 'event_features.last_cart_at', as_of_timestamp()) }} as days_since_last_cart,
        {{ value_datediff('day', 'event_features.last_activity_at', as_of_timestamp()) }}
            as days_since_last_activity,
        {{ value_datediff('day', 'event_features.first_subscribed_at', as_of_timestamp()) }}
            as days_since_subscribed,
        coalesce(event_features.complaints_count, 0) as complaints_count,
        cast(seasons.orders_count as {{ value_type_double() }}) / customer_lifecycle.orders_count
            as top_season_order_share,
        coalesce(seasons.season_years, 0) as top_season_years,
        clv_scores.predicted_clv,
        clv_scores.probability_alive,

        -- booleans
        coalesce(
            event_features.last_cart_at > customer_lifecycle.last_order_at
            or (event_features.last_cart_at is not null and customer_lifecycle.last_order_at is null),
            false
        ) as has_abandoned_cart,
        coalesce(
            event_features.last_complaint_at > {{ value_dateadd('day', -open_days, as_of_timestamp()) }},
            false
        ) as has_open_complaint,
        coalesce(customer_ltv.is_business_customer, false) as is_business_customer,

        -- timestamps
        customer_lifecycle.first_seen_at,
        customer_lifecycle.first_order_at,
        customer_lifecycle.last_order_at,
        event_features.last_activity_at,
        event_features.last_cart_at,
        event_features.first_subscribed_at,
        event_features.last_complaint_at,
        sessions.last_browsed_at,
        {{ as_of_timestamp() }} as as_of

    from customer_lifecycle
    left join customer_ltv
        on customer_lifecycle.customer_id = customer_ltv.customer_id
    left join customer_rfm
        on customer_lifecycle.customer_id = customer_rfm.customer_id
    left join sessions
        on customer_lifecycle.customer_id = sessions.customer_id
    left join event_features
        on customer_lifecycle.customer_id = event_features.customer_id
    left join seasons
        on
            customer_lifecycle.customer_id = seasons.customer_id
            and seasons.season_rank = 1
    left join clv_scores
        on customer_lifecycle.customer_id = clv_scores.customer_id

)

select * from final
