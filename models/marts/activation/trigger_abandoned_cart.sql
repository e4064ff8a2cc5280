-- Abandoned cart: an identified customer added to cart or started a checkout (var
-- `value_events_cart`) and placed no order (`value_events_placed_order`) within
-- `value_abandoned_cart_window_hours` (4) of their last cart event. One row per abandoned cart
-- (episode: cart events until an order or a longer gap), triggered at the last cart event +
-- the window, with the items. A trigger audience (append mode): trigger_id is stable.

{%- set window_hours = var('value_abandoned_cart_window_hours', 4) | int %}

with

{{ value_abandonment_episodes(
    'abandoned_cart', 'value_events_cart', 'value_events_placed_order', window_hours
) }},

profiles as (

    select * from {{ ref('audience_customer_profiles') }}

),

final as (

    select
        -- ids
        abandoned.trigger_id,
        abandoned.customer_id,
        abandoned.last_event_id as cart_event_id,

        -- strings
        'abandoned_cart' as trigger_type,
        profiles.email,
        profiles.phone,
        profiles.first_name,
        profiles.last_name,
        episode_items.items as cart_items,

        -- numerics
        episode_items.products_count as cart_products_count,
        episode_items.units as cart_units,
        episode_items.items_value as cart_value,
        {{ window_hours }} as window_hours,

        -- booleans
        profiles.consent_email,
        profiles.consent_sms,
        profiles.consent_ads,
        profiles.is_suppressed,

        -- timestamps
        abandoned.triggered_at,
        episode_items.first_event_at as cart_started_at,
        abandoned.last_event_at as cart_updated_at

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
