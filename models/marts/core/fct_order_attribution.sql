{%- set window_days = var('attribution_window_days', 30) | int -%}

with

orders as {{ inline_cte() }} (

    select * from {{ ref('int_orders') }}

),

pixel_events as (

    select * from {{ ref('stg_shopify__pixel_events') }}
    where
        event_name = 'page_viewed'
        and customer_id is not null
        and occurred_at <= {{ as_of_timestamp() }}

),

channel_sources as (

    select * from {{ ref('channel_sources') }}

),

-- Storefront visits that arrived with UTM parameters, by a known store customer.
visits as (

    select
        customer_id,
        occurred_at as touched_at,
        {{ url_parameter('page_url', 'utm_source') }} as utm_source,
        {{ url_parameter('page_url', 'utm_medium') }} as utm_medium,
        {{ url_parameter('page_url', 'utm_campaign') }} as utm_campaign,
        {{ url_page_path('page_url') }} as landing_page

    from pixel_events

),

visit_pages as (

    select * from visits
    where utm_source is not null

),

-- The order's own visit (captured at creation); Amazon orders come from the marketplace; store
-- orders without a visit (drafts, point of sale) have no landing page.
order_touches as (

    select
        order_key,
        ordered_at as touched_at,
        case
            when source_system = 'amazon' then 'marketplace_order'
            when landing_site is null then 'no_visit'
            else 'order_landing'
        end as touch_type,
        channel_source,
        utm_source,
        utm_medium,
        utm_campaign,
        landing_page

    from orders

),

-- Earlier visits of the same store customer inside the attribution window. A visit with the
-- order's own landing page and campaign in the day before the order is the order's visit.
visit_touches as (

    select
        orders.order_key,
        visit_pages.touched_at,
        'storefront_visit' as touch_type,
        coalesce(by_source.channel_source, by_medium.channel_source, 'DTC') as channel_source,
        visit_pages.utm_source,
        visit_pages.utm_medium,
        visit_pages.utm_campaign,
        visit_pages.landing_page

    from orders
    inner join visit_pages
        on
            orders.shopify_customer_id = visit_pages.customer_id
            and orders.ordered_at >= visit_pages.touched_at
            and {{ dbt.dateadd('day', -1 * window_days, 'orders.ordered_at') }} <= visit_pages.touched_at
    left join channel_sources as by_source
        on
            by_source.utm_parameter = 'source'
            and lower(visit_pages.utm_source) = by_source.utm_value
    left join channel_sources as by_medium
        on
            by_medium.utm_parameter = 'medium'
            and lower(visit_pages.utm_medium) = by_medium.utm_value
    where not (
        visit_pages.touched_at >= {{ dbt.dateadd('day', -1, 'orders.ordered_at') }}
        and visit_pages.landing_page = coalesce(orders.landing_page, '')
        and visit_pages.utm_source = coalesce(orders.utm_source, '')
        and coalesce(visit_pages.utm_medium, '') = coalesce(orders.utm_medium, '')
        and coalesce(visit_pages.utm_campaign, '') = coalesce(orders.utm_campaign, '')
    )

),

touches as (

    select * from order_touches
    union all
    select * from visit_touches

),

-- First touch: the earliest. Last touch: the latest that came with a source (last non-direct
-- touch); the order's own touch when none did.
ranked as (

    select
        *,
        row_number() over (
            partition by order_key
            order by touched_at asc, touch_type desc, landing_page asc
        ) as first_rank,
        row_number() over (
            partition by order_key
            order by
                case when utm_source is not null or touch_type = 'marketplace_order' then 1 else 0 end desc,
                touched_at desc,
                touch_type asc,
                landing_page asc
        ) as last_rank,
        count(*) over (partition by order_key) as touches_count

    from touches

),

first_touches as (

    select * from ranked
    where first_rank = 1

),

last_touches as (

    select * from ranked
    where last_rank = 1

),

final as (

    select
        -- ids
        orders.order_key,
        orders.order_id,
        orders.actor_source_system,
        orders.actor_entity,
        orders.actor_key,

        -- strings
        orders.source_system,
        orders.channel_source,
        orders.utm_source,
        orders.utm_medium,
        orders.utm_campaign,
        orders.landing_page,
        orders.referring_site,
        first_touches.touch_type as first_touch_type,
        first_touches.channel_source as first_touch_channel_source,
        first_touches.utm_source as first_touch_utm_source,
        first_touches.utm_medium as first_touch_utm_medium,
        first_touches.utm_campaign as first_touch_utm_campaign,
        first_touches.landing_page as first_touch_landing_page,
        last_touches.touch_type as last_touch_type,
        last_touches.channel_source as last_touch_channel_source,
        last_touches.utm_source as last_touch_utm_source,
        last_touches.utm_medium as last_touch_utm_medium,
        last_touches.utm_campaign as last_touch_utm_campaign,
        last_touches.landing_page as last_touch_landing_page,

        -- numerics
        first_touches.touches_count,
        {{ window_days }} as attribution_window_days,

        -- timestamps
        orders.ordered_at,
        first_touches.touched_at as first_touch_at,
        last_touches.touched_at as last_touch_at

    from orders
    inner join first_touches
        on orders.order_key = first_touches.order_key
    inner join last_touches
        on orders.order_key = last_touches.order_key

)

select * from final
