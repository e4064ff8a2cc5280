-- Browse abandonment: an identified customer viewed products (var
-- `value_events_viewed_product`) and neither added to cart, started a checkout nor ordered
-- within `value_browse_abandonment_window_hours` (24) of their last view. One row per browsing
-- episode, triggered at the last view + the window, with the products viewed.

{%- set window_hours = var('value_browse_abandonment_window_hours', 24) | int %}

with

{{ value_abandonment_episodes(
    'browse_abandonment', 'value_events_viewed_product', 'value_events_browse_stop', window_hours
) }},

profiles as (

    select * from {{ ref('audience_customer_profiles') }}

),

final as (

    select
        -- ids
        abandoned.trigger_id,
        abandoned.customer_id,
        abandoned.last_event_id as view_event_id,

        -- strings
        'browse_abandonment' as trigger_type,
        profiles.email,
        profiles.phone,
        profiles.first_name,
        profiles.last_name,
        episode_items.items as viewed_products,

        -- numerics
        episode_items.products_count as viewed_products_count,
        episode_items.events_count as views_count,
        {{ window_hours }} as window_hours,

        -- booleans
        profiles.consent_email,
        profiles.consent_sms,
        profiles.consent_ads,
        profiles.is_suppressed,

        -- timestamps
        abandoned.triggered_at,
        episode_items.first_event_at as browse_started_at,
        abandoned.last_event_at as last_viewed_at

    from abandoned
    inner join episode_items
        on
            abandoned.customer_id = episode_items.customer_id
            and abandoned.episode_number = episode_items.episode_number
    inner join profiles
        on abandoned.customer_id = profiles.customer_id
    where profiles.is_reachable

)

select * from final
