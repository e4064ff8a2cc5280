{#-
    Abandonment episodes of identified customers, shared by trigger_abandoned_cart and
    trigger_browse_abandonment. Start events (e.g. Added To Cart, Started Checkout) of a
    customer belong to one episode until a stop event (e.g. Placed Order) or a gap longer than
    the window; an episode is abandoned when no stop event follows its last start event within
    `window_hours`, and it triggers at that last event + window, if that is on or before as_of.
    Events come from fct_events mapped to customers through customer_source_map (a stitched
    anonymous device counts as its customer). Returns one row per abandoned episode with its
    products, for the calling model to join contacts to.
-#}
{% macro value_abandonment_episodes(trigger_type, start_events_var, stop_events_var, window_hours) -%}

source_map as (

    select * from {{ ref('customer_source_map') }}

),

customer_events as (

    select
        source_map.customer_id,
        fct_events.event_id,
        fct_events.event_name,
        fct_events.product_id,
        fct_events.quantity,
        fct_events.occurred_at,
        case when fct_events.event_name in {{ value_in_list(start_events_var) }} then 0 else 1 end as is_stop

    from {{ ref('fct_events') }} as fct_events
    inner join source_map
        on {{ actor_is_source_record('fct_events') }}
    where
        fct_events.occurred_at <= {{ as_of_timestamp() }}
        and (
            fct_events.event_name in {{ value_in_list(start_events_var) }}
            or fct_events.event_name in {{ value_in_list(stop_events_var) }}
        )

),

sequenced as (

    select
        *,
        -- the latest stop at or before this row, and the first stop at or after it
        max(case when is_stop = 1 then occurred_at end) over (
            partition by customer_id order by occurred_at, is_stop, event_id
            rows between unbounded preceding and current row
        ) as last_stop_at,
        min(case when is_stop = 1 then occurred_at end) over (
            partition by customer_id order by occurred_at, is_stop, event_id
            rows between current row and unbounded following
        ) as next_stop_at

    from customer_events

),

starts as (

    select
        *,
        lag(occurred_at) over (partition by customer_id order by occurred_at, event_id) as previous_start_at

    from sequenced
    where is_stop = 0

),

episode_starts as (

    select
        *,
        case
            when previous_start_at is null then 1
            when last_stop_at >= previous_start_at then 1
            when {{ value_dateadd('hour', window_hours, 'previous_start_at') }} < occurred_at then 1
            else 0
        end as is_new_episode

    from starts

),

-- Episodes are runs of consecutive starts, so an episode's last event is the start followed by a
-- new episode's first (or by none): read beside the running count in the same ordered pass,
-- instead of ranking every episode's events again.
numbered as (

    select
        *,
        sum(is_new_episode) over (
            partition by customer_id order by occurred_at, event_id
            rows between unbounded preceding and current row
        ) as episode_number,
        lead(is_new_episode) over (
            partition by customer_id order by occurred_at, event_id
        ) as next_is_new_episode

    from episode_starts

),

episodes as (

    select
        customer_id,
        episode_number,
        event_id as last_event_id,
        occurred_at as last_event_at,
        next_stop_at,
        {{ value_dateadd('hour', window_hours, 'occurred_at') }} as triggered_at

    from numbered
    where coalesce(next_is_new_episode, 1) = 1

),

abandoned as (

    select
        *,
        {{ dbt.hash(dbt.concat(["'" ~ trigger_type ~ "|'", 'last_event_id'])) }} as trigger_id

    from episodes
    where
        triggered_at <= {{ as_of_timestamp() }}
        and (next_stop_at is null or next_stop_at > triggered_at)

),

products as (

    select
        product_id,
        min(title) as product_title,
        min(price) as price

    from {{ ref('dim_products') }}
    group by product_id

),

episode_products as (

    select
        numbered.customer_id,
        numbered.episode_number,
        numbered.product_id,
        products.product_title,
        sum(coalesce(numbered.quantity, 1)) as quantity,
        sum(coalesce(numbered.quantity, 1) * products.price) as product_value,
        min(numbered.occurred_at) as first_event_at,
        count(*) as events_count

    from numbered
    left join products
        on numbered.product_id = products.product_id
    group by numbered.customer_id, numbered.episode_number, numbered.product_id, products.product_title

),

episode_items as (

    select
        customer_id,
        episode_number,
        min(first_event_at) as first_event_at,
        sum(events_count) as events_count,
        count(product_id) as products_count,
        sum(case when product_id is not null then quantity else 0 end) as units,
        sum(product_value) as items_value,
        {{ value_listagg(
            'coalesce(product_title, ' ~ dbt.cast('product_id', dbt.type_string()) ~ ')',
            "' | '",
            'order by coalesce(product_title, ' ~ dbt.cast('product_id', dbt.type_string()) ~ ')'
        ) }} as items

    from episode_products
    group by customer_id, episode_number

)

{%- endmacro %}
