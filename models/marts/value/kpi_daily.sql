-- Daily KPIs for dashboards, one row per day from the first order to as_of: orders, revenue
-- and AOV; acquisition, repeat purchase rate and average LTV to date; active customers and
-- monthly churn (thresholds of the seed lifecycle_thresholds); identity match rate; the share
-- of revenue attributed to e-mail; revenue recovered after abandoned-cart triggers; units sold
-- and returned with the 30-day return rate. Money in the reporting currency.

{%- set click_days = var('value_email_attribution_days', 5) | int %}
{%- set recovery_days = var('value_abandoned_cart_recovery_days', 7) | int %}

with

customer_orders as {{ inline_cte() }} (

    select * from {{ ref('customer_orders') }}

),

source_map as {{ inline_cte() }} (

    select * from {{ ref('customer_source_map') }}

),

lifecycle_thresholds as (

    select * from {{ ref('lifecycle_thresholds') }}

),

churn_threshold as (

    select max(threshold_days) as churned_days
    from lifecycle_thresholds
    where lifecycle_stage = 'churned'

),

-- the days ------------------------------------------------------------------------------------

bounds as (

    select
        min(order_date) as first_day,
        cast({{ as_of_timestamp() }} as date) as last_day

    from customer_orders

),

days as (

    select
        cast({{ value_dateadd('day', value_number_expression(5), 'bounds.first_day') }} as date)
            as kpi_date
    {{ value_number_series(5) }}
    cross join bounds
    where
        {{ value_number_expression(5) }}
        <= {{ value_datediff('day', 'bounds.first_day', 'bounds.last_day') }}

),

-- orders, attribution and recovery -------------------------------------------------------------

email_clicks as (

    select
        source_map.customer_id,
        fct_events.occurred_at

    from {{ ref('fct_events') }} as fct_events
    inner join source_map
        on {{ actor_is_source_record('fct_events') }}
    where
        fct_events.event_name in {{ value_in_list('value_events_email_click') }}
        and fct_events.occurred_at <= {{ as_of_timestamp() }}

),

clicked_orders as (

    select distinct customer_orders.order_key

    from customer_orders
    inner join email_clicks
        on
            customer_orders.customer_id = email_clicks.customer_id
            and customer_orders.ordered_at >= email_clicks.occurred_at
            and {{ value_dateadd('day', -click_days, 'customer_orders.ordered_at') }}
            < email_clicks.occurred_at

),

recovered_orders as (

    select distinct customer_orders.order_key

    from customer_orders
    inner join {{ ref('trigger_abandoned_cart') }} as abandoned_carts
        on
            customer_orders.customer_id = abandoned_carts.customer_id
            and customer_orders.ordered_at >= abandoned_carts.triggered_at
            and customer_orders.ordered_at
            < {{ value_dateadd('day', recovery_days, 'abandoned_carts.triggered_at') }}

),

orders as (

    select
        customer_orders.*,
        (
            lower(customer_orders.utm_medium) in {{ value_in_list('value_email_utm_mediums') }}
            or customer_orders.channel_source = 'email'
            or clicked_orders.order_key is not null
        ) as is_email_attributed,
        recovered_orders.order_key is not null as is_cart_recovery

    from customer_orders
    left join clicked_orders
        on customer_orders.order_key = clicked_orders.order_key
    left join recovered_orders
        on customer_orders.order_key = recovered_orders.order_key

),

second_orders as (

    select
        customer_id,
        order_date as repeat_date

    from customer_orders
    where customer_order_number = 2

),

daily_orders as (

    select
        order_date as kpi_date,
        count(*) as orders_count,
        count(distinct customer_id) as ordering_customers,
        sum(case when is_first_order then 1 else 0 end) as new_customers,
        sum(items_quantity) as units_sold,
        sum(gross_revenue) as gross_revenue,
        sum(net_revenue) as net_revenue,
        sum(case when is_email_attributed then net_revenue else 0 end) as email_attributed_revenue,
        sum(case when is_cart_recovery then net_revenue else 0 end) as cart_recovery_revenue,
        sum(case when is_cart_recovery then 1 else 0 end) as cart_recovery_orders

    from orders
    group by order_date

),

daily_repeat as (

    select
        repeat_date as kpi_date,
        count(*) as new_repeat_customers

    from second_orders
    group by repeat_date

),

-- activity and churn: a customer is active on a day with an order in the last `churned` days ----

order_days as (

    select distinct
        customer_id,
        order_date

    from customer_orders

),

order_gaps as (

    select
        customer_id,
        order_date,
        lag(order_date) over (partition by customer_id order by order_date) as previous_order_date,
        lead(order_date) over (partition by customer_id order by order_date) as next_order_date

    from order_days

),

lifecycle_events as (

    -- became active: a first order, or an order after a churn
    select
        order_gaps.order_date as event_date,
        1 as activations,
        0 as churns

    from order_gaps
    cross join churn_threshold
    where
        order_gaps.previous_order_date is null
        or {{ value_datediff('day', 'order_gaps.previous_order_date', 'order_gaps.order_date') }}
        > churn_threshold.churned_days + 1

    union all

    -- churned: the day after `churned` days without an order
    select
        cast({{ value_dateadd('day', 'churn_threshold.churned_days + 1', 'order_gaps.order_date') }} as date)
            as event_date,
        0 as activations,
        1 as churns

    from order_gaps
    cross join churn_threshold
    where
        order_gaps.next_order_date is null
        or {{ value_datediff('day', 'order_gaps.order_date', 'order_gaps.next_order_date') }}
        > churn_threshold.churned_days + 1

),

daily_lifecycle as (

    select
        event_date as kpi_date,
        sum(activations) as activations,
        sum(churns) as churns

    from lifecycle_events
    group by event_date

),

-- identity: people known by a day, and those seen in two or more systems by then -----------------

system_first_seen as (

    select
        customer_id,
        source_system,
        cast(min(first_seen_at) as date) as first_seen_date

    from source_map
    where source_entity <> 'device'
    group by customer_id, source_system

),

ranked_systems as (

    select
        customer_id,
        first_seen_date,
        row_number() over (partition by customer_id order by first_seen_date, source_system) as system_rank

    from system_first_seen

),

-- people seen before the first order (a newsletter sign-up, a support ticket) count from the
-- first day, so the running totals reach the identity_match_rate mart's at as_of
daily_identity as (

    select
        greatest(ranked_systems.first_seen_date, bounds.first_day) as kpi_date,
        sum(case when ranked_systems.system_rank = 1 then 1 else 0 end) as people_known,
        sum(case when ranked_systems.system_rank = 2 then 1 else 0 end) as people_matched

    from ranked_systems
    cross join bounds
    group by greatest(ranked_systems.first_seen_date, bounds.first_day)

),

-- returns ---------------------------------------------------------------------------------------

daily_returns as (

    select
        cast(returned_at as date) as kpi_date,
        sum(quantity) as units_returned

    from {{ ref('fct_returns') }}
    where returned_at <= {{ as_of_timestamp() }}
    group by cast(returned_at as date)

),

-- one row per day ---------------------------------------------------------------------------------

joined as (

    select
        days.kpi_date,
        coalesce(daily_orders.orders_count, 0) as orders_count,
        coalesce(daily_orders.ordering_customers, 0) as ordering_customers,
        coalesce(daily_orders.new_customers, 0) as new_customers,
        coalesce(daily_orders.units_sold, 0) as units_sold,
        coalesce(daily_orders.gross_revenue, 0) as gross_revenue,
        coalesce(daily_orders.net_revenue, 0) as net_revenue,
        coalesce(daily_orders.email_attributed_revenue, 0) as email_attributed_revenue,
        coalesce(daily_orders.cart_recovery_revenue, 0) as cart_recovery_revenue,
        coalesce(daily_orders.cart_recovery_orders, 0) as cart_recovery_orders,
        coalesce(daily_repeat.new_repeat_customers, 0) as new_repeat_customers,
        coalesce(daily_lifecycle.activations, 0) as activations,
        coalesce(daily_lifecycle.churns, 0) as churns,
        coalesce(daily_identity.people_known, 0) as people_known,
        coalesce(daily_identity.people_matched, 0) as people_matched,
        coalesce(daily_returns.units_returned, 0) as units_returned

    from days
    left join daily_orders
        on days.kpi_date = daily_orders.kpi_date
    left join daily_repeat
        on days.kpi_date = daily_repeat.kpi_date
    left join daily_lifecycle
        on days.kpi_date = daily_lifecycle.kpi_date
    left join daily_identity
        on days.kpi_date = daily_identity.kpi_date
    left join daily_returns
        on days.kpi_date = daily_returns.kpi_date

),

running as (

    select
        *,
        sum(new_customers) over (order by kpi_date rows between unbounded preceding and current row)
            as customers_to_date,
        sum(new_repeat_customers) over (order by kpi_date rows between unbounded preceding and current row)
            as repeat_customers_to_date,
        sum(net_revenue) over (order by kpi_date rows between unbounded preceding and current row)
            as net_revenue_to_date,
        sum(activations - churns) over (order by kpi_date rows between unbounded preceding and current row)
            as active_customers,
        sum(churns) over (order by kpi_date rows between 29 preceding and current row) as churns_30d,
        sum(people_known) over (order by kpi_date rows between unbounded preceding and current row)
            as people_known_to_date,
        sum(people_matched) over (order by kpi_date rows between unbounded preceding and current row)
            as people_matched_to_date,
        sum(units_sold) over (order by kpi_date rows between 29 preceding and current row) as units_sold_30d,
        sum(units_returned) over (order by kpi_date rows between 29 preceding and current row)
            as units_returned_30d

    from joined

),

with_lag as (

    select
        *,
        lag(active_customers, 30) over (order by kpi_date) as active_customers_30d_ago

    from running

),

final as (

    select
        -- dates
        kpi_date,

        -- orders and revenue
        orders_count,
        ordering_customers,
        gross_revenue,
        net_revenue,
        case when orders_count > 0 then cast(net_revenue as {{ value_type_double() }}) / orders_count end
            as average_order_value,

        -- customers
        new_customers,
        customers_to_date,
        repeat_customers_to_date,
        case
            when customers_to_date > 0
                then cast(repeat_customers_to_date as {{ value_type_double() }}) / customers_to_date
        end as repeat_purchase_rate,
        net_revenue_to_date,
        case
            when customers_to_date > 0
                then cast(net_revenue_to_date as {{ value_type_double() }}) / customers_to_date
        end as average_ltv_to_date,

        -- activity and churn
        active_customers,
        churns as churned_customers,
        churns_30d as churned_customers_30d,
        case
            when active_customers_30d_ago > 0
                then cast(churns_30d as {{ value_type_double() }}) / active_customers_30d_ago
        end as monthly_churn_rate,

        -- identity
        people_known_to_date,
        people_matched_to_date,
        case
            when people_known_to_date > 0
                then cast(people_matched_to_date as {{ value_type_double() }}) / people_known_to_date
        end as identity_match_rate,

        -- marketing
        email_attributed_revenue,
        case
            when net_revenue <> 0
                then cast(email_attributed_revenue as {{ value_type_double() }}) / net_revenue
        end as email_attributed_revenue_share,
        cart_recovery_orders,
        cart_recovery_revenue,

        -- returns
        units_sold,
        units_returned,
        case
            when units_sold_30d > 0
                then cast(units_returned_30d as {{ value_type_double() }}) / units_sold_30d
        end as return_rate_30d,

        -- timestamps
        {{ as_of_timestamp() }} as as_of

    from with_lag

)

select * from final
