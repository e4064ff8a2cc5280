-- The customer 360: one row per customer (a resolved profile, customer_source_map), with the
-- ids every system gave them, best e-mail and phone, name, how and when they arrived, what they
-- bought and browsed, how they engage by e-mail and support, what they think (reviews), and
-- their consent per channel, and their governed customer_status (the lifecycle stage of
-- customer_lifecycle, derived by the same macro from the same seed lifecycle_thresholds, without
-- reading the value marts: the activation lane rebuilds this model). Facts join through
-- customer_source_map on their actor columns. Time-dependent figures read `as_of` (nothing after
-- it counts).

{%- set shop_currency = var('shop_currency', 'USD') %}
{#- Rates to one common currency (the value marts' var); amounts convert to the shop currency. -#}
{%- set fx_rates = var('value_fx_rates', {shop_currency: 1.0}) %}
{%- if fx_rates is string %}{% set fx_rates = {shop_currency: 1.0} %}{% endif %}
{%- set shop_rate = fx_rates.get(shop_currency, 1.0) %}

with

source_map as {{ inline_cte() }} (

    select * from {{ ref('customer_source_map') }}

),

contacts as (

    select * from {{ ref('int_customer_contacts') }}

),

consent as {{ inline_cte() }} (

    select * from {{ ref('int_customer_consent_latest') }}

),

support as (

    select * from {{ ref('int_customer_support_summarised') }}

),

lifecycle_thresholds as (

    select * from {{ ref('lifecycle_thresholds') }}

),

thresholds as (

    {{ lifecycle_threshold_days('lifecycle_thresholds') }}

),

profiles as (

    select
        customer_id,
        max(case when is_business_profile then 1 else 0 end) = 1 as is_business_profile,
        -- A known customer: an identified record (not only an anonymous storefront device).
        min(case when source_entity <> 'device' then first_seen_at end) as first_known_at

    from source_map
    group by customer_id

),

fx_rates as (

    {% for currency, rate in fx_rates.items() %}
        select
            '{{ currency }}' as currency,
            cast({{ rate }} as {{ dbt.type_float() }}) / {{ shop_rate }} as rate_to_shop_currency
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

orders as (

    select
        source_map.customer_id,
        orders.order_key,
        orders.channel_source,
        orders.marketplace,
        orders.currency,
        orders.gross_revenue * fx.rate_to_shop_currency as gross_revenue,
        orders.net_revenue * fx.rate_to_shop_currency as net_revenue,
        fx.rate_to_shop_currency is not null as is_converted,
        orders.is_cancelled,
        orders.ordered_at

    from {{ ref('fct_orders') }} as orders
    left join fx_rates as fx
        on orders.currency = fx.currency
    inner join source_map
        on {{ actor_is_source_record('orders') }}
    where orders.ordered_at <= {{ as_of_timestamp() }}

),

order_totals as (

    select
        customer_id,
        sum(case when not is_cancelled then 1 else 0 end) as orders_count,
        sum(case when is_cancelled then 1 else 0 end) as cancelled_orders_count,
        sum(case when not is_cancelled and not is_converted then 1 else 0 end) as unconverted_orders_count,
        sum(case when not is_cancelled and is_converted then 1 else 0 end) as converted_orders_count,
        sum(case when not is_cancelled and is_converted then gross_revenue else 0 end) as gross_revenue,
        sum(case when not is_cancelled and is_converted then net_revenue else 0 end) as net_revenue,
        min(case when not is_cancelled then ordered_at end) as first_order_at,
        max(case when not is_cancelled then ordered_at end) as last_order_at,
        {{ identity_string_agg('marketplace') }} as marketplaces_used

    from orders
    group by customer_id

),

first_orders as (

    select
        customer_id,
        channel_source,
        row_number() over (partition by customer_id order by ordered_at, order_key) as order_number

    from orders
    where not is_cancelled

),

categories as (

    select
        source_map.customer_id,
        {{ identity_string_agg('order_lines.product_category') }} as categories_purchased

    from {{ ref('fct_order_lines') }} as order_lines
    inner join source_map
        on {{ actor_is_source_record('order_lines') }}
    where
        order_lines.ordered_at <= {{ as_of_timestamp() }}
        and not coalesce(order_lines.is_cancelled, false)
    group by source_map.customer_id

),

returns as (

    select
        source_map.customer_id,
        count(*) as returns_count

    from {{ ref('fct_returns') }} as returned
    inner join source_map
        on {{ actor_is_source_record('returned') }}
    where returned.returned_at <= {{ as_of_timestamp() }}
    group by source_map.customer_id

),

events as (

    select
        source_map.customer_id,
        events.event_name,
        events.channel_source,
        events.product_id,
        events.rating,
        events.occurred_at

    from {{ ref('fct_events') }} as events
    inner join source_map
        on {{ actor_is_source_record('events') }}
    where events.occurred_at <= {{ as_of_timestamp() }}

),

event_totals as (

    select
        customer_id,
        count(distinct case when event_name = 'Viewed Product' then product_id end) as products_viewed_count,
        count(distinct case when event_name = 'Added To Cart' then product_id end) as products_carted_count,
        sum(case when event_name = 'Received Email' then 1 else 0 end) as emails_received_count,
        sum(case when event_name = 'Opened Email' then 1 else 0 end) as emails_opened_count,
        sum(case when event_name = 'Clicked Email' then 1 else 0 end) as emails_clicked_count,
        sum(case when event_name = 'Left Review' then 1 else 0 end) as reviews_count,
        avg(case when event_name = 'Left Review' then rating end) as average_rating,
        max(case when event_name = 'Opened Email' then occurred_at end) as last_email_opened_at,
        -- Activity is what the customer did: receiving an e-mail or a shipment is not.
        max(case
            when event_name not in ('Received Email', 'Fulfilled Order') then occurred_at
        end) as last_activity_at,
        {{ identity_string_agg('channel_source') }} as channels_used

    from events
    group by customer_id

),

lifecycle as (

    select
        profiles.customer_id,
        {{ lifecycle_stage(
            'coalesce(order_totals.orders_count, 0) > 0',
            value_datediff('day', 'order_totals.first_order_at', as_of_timestamp()),
            value_datediff('day', 'order_totals.last_order_at', as_of_timestamp())
        ) }} as lifecycle_stage

    from profiles
    cross join thresholds
    left join order_totals
        on profiles.customer_id = order_totals.customer_id
    where
        coalesce(order_totals.orders_count, 0) > 0
        or profiles.first_known_at <= {{ as_of_timestamp() }}

),

customer_statuses as (

    select
        lifecycle.customer_id,
        lifecycle_thresholds.customer_status

    from lifecycle
    inner join lifecycle_thresholds
        on lifecycle.lifecycle_stage = lifecycle_thresholds.lifecycle_stage

),

email_consent as (

    select * from consent
    where channel = 'email'

),

sms_consent as (

    select * from consent
    where channel = 'sms'

),

joined as (

    select
        contacts.*,
        profiles.is_business_profile,
        order_totals.orders_count,
        order_totals.cancelled_orders_count,
        order_totals.unconverted_orders_count,
        order_totals.converted_orders_count,
        order_totals.gross_revenue,
        order_totals.net_revenue,
        order_totals.first_order_at,
        order_totals.last_order_at,
        order_totals.marketplaces_used,
        first_orders.channel_source as first_order_channel,
        categories.categories_purchased,
        returns.returns_count,
        event_totals.products_viewed_count,
        event_totals.products_carted_count,
        event_totals.emails_received_count,
        event_totals.emails_opened_count,
        event_totals.emails_clicked_count,
        event_totals.reviews_count,
        event_totals.average_rating,
        event_totals.last_email_opened_at,
        event_totals.last_activity_at,
        event_totals.channels_used,
        support.tickets_count,
        support.open_tickets_count,
        support.last_ticket_at,
        support.last_satisfaction_score,
        support.last_satisfaction_at,
        customer_statuses.customer_status,
        email_consent.consent_state as email_consent_state,
        email_consent.consent_source as email_consent_source,
        email_consent.consent_at as email_consent_at,
        sms_consent.consent_state as sms_consent_state,
        sms_consent.consent_source as sms_consent_source,
        sms_consent.consent_at as sms_consent_at,
        -- Ads consent: no source states it explicitly, so it follows marketing consent: any
        -- channel subscribed grants it; else a withdrawal (unsubscribed) denies it.
        case
            when email_consent.consent_state = 'subscribed' then 'email'
            when sms_consent.consent_state = 'subscribed' then 'sms'
            when email_consent.consent_state = 'unsubscribed' then 'email'
            when sms_consent.consent_state = 'unsubscribed' then 'sms'
        end as ads_consent_basis

    from contacts
    inner join profiles
        on contacts.customer_id = profiles.customer_id
    left join order_totals
        on contacts.customer_id = order_totals.customer_id
    left join first_orders
        on
            contacts.customer_id = first_orders.customer_id
            and first_orders.order_number = 1
    left join categories
        on contacts.customer_id = categories.customer_id
    left join returns
        on contacts.customer_id = returns.customer_id
    left join event_totals
        on contacts.customer_id = event_totals.customer_id
    left join support
        on contacts.customer_id = support.customer_id
    left join customer_statuses
        on contacts.customer_id = customer_statuses.customer_id
    left join email_consent
        on contacts.customer_id = email_consent.customer_id
    left join sms_consent
        on contacts.customer_id = sms_consent.customer_id

)

select
    -- ids
    customer_id,
    shopify_customer_ids,
    klaviyo_profile_ids,
    zendesk_user_ids,
    amazon_buyer_ids,

    -- strings
    first_name,
    last_name,
    best_email,
    best_phone,
    case
        when is_business_profile then 'business'
        when is_anonymous then 'anonymous'
        else 'person'
    end as profile_type,
    customer_status,
    coalesce(first_order_channel, case
        when klaviyo_profile_ids is not null then 'email'
        when zendesk_user_ids is not null then 'support'
        else 'DTC'
    end) as acquisition_channel,
    source_systems,
    channels_used,
    marketplaces_used,
    categories_purchased,
    coalesce(email_consent_state, 'not_subscribed') as email_consent_state,
    email_consent_source,
    coalesce(sms_consent_state, 'not_subscribed') as sms_consent_state,
    sms_consent_source,
    case ads_consent_basis
        when 'email' then case when email_consent_state = 'subscribed' then 'granted' else 'denied' end
        when 'sms' then case when sms_consent_state = 'subscribed' then 'granted' else 'denied' end
        else 'unknown'
    end as ads_consent_state,
    case ads_consent_basis
        when 'email' then {{ dbt.concat(["'derived_from_email:'", 'email_consent_source']) }}
        when 'sms' then {{ dbt.concat(["'derived_from_sms:'", 'sms_consent_source']) }}
    end as ads_consent_source,
    last_satisfaction_score,

    -- numerics
    records_count,
    systems_count,
    storefront_devices_count,
    coalesce(orders_count, 0) as orders_count,
    coalesce(cancelled_orders_count, 0) as cancelled_orders_count,
    coalesce(unconverted_orders_count, 0) as unconverted_orders_count,
    coalesce(gross_revenue, 0) as gross_revenue,
    coalesce(net_revenue, 0) as net_revenue,
    case
        when converted_orders_count > 0 then gross_revenue / converted_orders_count
    end as average_order_value,
    case
        when orders_count > 1
            then
                cast({{ identity_days_between('first_order_at', 'last_order_at') }} as {{ dbt.type_float() }})
                / (orders_count - 1)
    end as average_days_between_orders,
    case
        when orders_count > 0
            then orders_count * 365.25 / (
                case
                    when {{ identity_days_between('first_order_at', as_of_timestamp()) }} < 30 then 30
                    else {{ identity_days_between('first_order_at', as_of_timestamp()) }}
                end
            )
    end as orders_per_year,
    coalesce(returns_count, 0) as returns_count,
    coalesce(products_viewed_count, 0) as products_viewed_count,
    coalesce(products_carted_count, 0) as products_carted_count,
    coalesce(emails_received_count, 0) as emails_received_count,
    coalesce(emails_opened_count, 0) as emails_opened_count,
    coalesce(emails_clicked_count, 0) as emails_clicked_count,
    case
        when emails_received_count > 0
            then cast(emails_opened_count as {{ dbt.type_float() }}) / emails_received_count
    end as email_open_rate,
    case
        when emails_received_count > 0
            then cast(emails_clicked_count as {{ dbt.type_float() }}) / emails_received_count
    end as email_click_rate,
    coalesce(tickets_count, 0) as tickets_count,
    coalesce(open_tickets_count, 0) as open_tickets_count,
    coalesce(reviews_count, 0) as reviews_count,
    average_rating,

    -- booleans
    is_business_profile as is_business,
    is_anonymous,
    coalesce(orders_count, 0) > 0 as has_ordered,
    is_best_email_shared,

    -- timestamps
    first_seen_at,
    first_order_at,
    last_order_at,
    last_activity_at,
    last_email_opened_at,
    last_ticket_at,
    last_satisfaction_at,
    email_consent_at,
    sms_consent_at,
    case ads_consent_basis
        when 'email' then email_consent_at
        when 'sms' then sms_consent_at
    end as ads_consent_at

from joined
