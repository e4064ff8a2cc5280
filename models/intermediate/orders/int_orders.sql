-- Orders of both channels at one grain, as of `as_of`: money from their lines (gross,
-- discounts, refunds, net), lifecycle times up to `as_of`, and the UTM parameters and channel
-- captured when a store order was created.
--
-- Money adds up, in the order's currency:
--   refund_amount = item_refund_amount + shipping_refund_amount + tax_refund_amount + other_refund_amount
--   net_revenue   = gross_revenue - discount_amount - item_refund_amount             (0 when cancelled)
--   net_total     = net_revenue + shipping_amount + tax_amount
--                   - shipping_refund_amount - tax_refund_amount - other_refund_amount (0 when cancelled)
-- Item, shipping and tax refunds never exceed what was charged for them; the rest of a refund
-- (goodwill, adjustments, refunds of lines the order does not list) is `other_refund_amount`.
with

shopify_orders as (

    select * from {{ ref('stg_shopify__orders') }}
    where created_at <= {{ as_of_timestamp() }}

),

shopify_refunds as (

    select * from {{ ref('stg_shopify__refunds') }}

),

amazon_orders as (

    select * from {{ ref('stg_amazon__orders') }}
    where purchased_at <= {{ as_of_timestamp() }}

),

amazon_order_items as (

    select * from {{ ref('stg_amazon__order_items') }}

),

amazon_marketplaces as (

    select * from {{ ref('amazon_marketplaces') }}

),

amazon_shipments as (

    select * from {{ ref('stg_amazon__fba_shipments') }}

),

amazon_returns as (

    select * from {{ ref('stg_amazon__returns') }}

),

channel_sources as (

    select * from {{ ref('channel_sources') }}

),

order_lines as {{ inline_cte() }} (

    select * from {{ ref('int_order_lines') }}

),

returns as (

    select * from {{ ref('int_returns') }}

),

lines_by_order as (

    select
        order_key,
        max(currency) as currency,
        sum(quantity) as items_quantity,
        sum(gross_revenue) as gross_revenue,
        sum(discount_amount) as discount_amount,
        sum(item_refund_amount) as item_refund_amount,
        sum(tax_refund_amount) as tax_refund_amount,
        sum(other_refund_amount) as other_refund_amount,
        sum(net_revenue) as net_revenue,
        max(loaded_at) as loaded_at

    from order_lines
    group by order_key

),

-- Refunds by order: shipping refunds, and the item and tax refunds of lines the order does not
-- list (a refund line of an order line not landed, a return of a SKU the order did not have),
-- which are other refunds of the order.
refunds_by_order as (

    select
        returns.order_key,
        sum(returns.shipping_refund_amount) as shipping_refund_amount,
        sum(
            case
                when order_lines.order_line_key is null
                    then returns.item_refund_amount + returns.tax_refund_amount
                else 0
            end
        ) as unmatched_refund_amount

    from returns
    left join order_lines
        on returns.order_line_key = order_lines.order_line_key
    group by returns.order_key

),

-- Refund times regardless of `as_of`: only to know which orders changed (incremental builds).
shopify_refund_times as (

    select
        order_id,
        max(created_at) as last_refund_at,
        max(
            case when created_at <= {{ as_of_timestamp() }} then created_at end
        ) as last_refund_as_of,
        max(loaded_at) as loaded_at

    from shopify_refunds
    group by order_id

),

shopify_utm as (

    select
        *,
        {{ url_parameter('landing_site', 'utm_source') }} as utm_source,
        {{ url_parameter('landing_site', 'utm_medium') }} as utm_medium,
        {{ url_parameter('landing_site', 'utm_campaign') }} as utm_campaign,
        {{ url_path('landing_site') }} as landing_page

    from shopify_orders

),

shopify as (

    select
        -- ids
        {{ dbt.concat(["'shopify:'", dbt.cast('orders.order_id', dbt.type_string())]) }} as order_key,
        {{ dbt.cast('orders.order_id', dbt.type_string()) }} as order_id,
        orders.customer_id as shopify_customer_id,

        -- strings
        'shopify' as source_system,
        orders.order_name,
        coalesce(by_source.channel_source, by_medium.channel_source, 'DTC') as channel_source,
        cast(null as {{ dbt.type_string() }}) as marketplace,
        cast(null as {{ dbt.type_string() }}) as fulfillment_channel,
        'shopify' as actor_source_system,
        'order' as actor_entity,
        {{ dbt.cast('orders.order_id', dbt.type_string()) }} as actor_key,
        orders.email,
        orders.currency,
        orders.utm_source,
        orders.utm_medium,
        orders.utm_campaign,
        orders.landing_page,
        orders.landing_site,
        orders.referring_site,
        {{ device_type('orders.user_agent') }} as device_type,

        -- numerics
        orders.tax_amount,
        orders.shipping_amount,

        -- booleans
        coalesce(orders.cancelled_at <= {{ as_of_timestamp() }}, false) as is_cancelled,
        orders.shipping_company_name is not null as is_business_order,

        -- timestamps
        orders.created_at as ordered_at,
        case when orders.fulfilled_at <= {{ as_of_timestamp() }} then orders.fulfilled_at end as fulfilled_at,
        case when orders.cancelled_at <= {{ as_of_timestamp() }} then orders.cancelled_at end as cancelled_at,
        refund_times.last_refund_as_of as last_refunded_at,
        {{ greatest_timestamp([
            'orders.created_at', 'orders.updated_at', 'orders.fulfilled_at', 'orders.cancelled_at',
            'refund_times.last_refund_at'
        ]) }} as source_last_activity_at,
        {{ greatest_timestamp(['orders.loaded_at', 'refund_times.loaded_at']) }} as loaded_at

    from shopify_utm as orders
    left join shopify_refund_times as refund_times
        on orders.order_id = refund_times.order_id
    left join channel_sources as by_source
        on
            by_source.utm_parameter = 'source'
            and lower(orders.utm_source) = by_source.utm_value
    left join channel_sources as by_medium
        on
            by_medium.utm_parameter = 'medium'
            and lower(orders.utm_medium) = by_medium.utm_value

),

amazon_item_totals as (

    select
        amazon_order_id,
        sum(item_tax_amount) as tax_amount,
        sum(shipping_price_amount) as shipping_amount

    from amazon_order_items
    group by amazon_order_id

),

amazon_shipment_times as (

    select
        amazon_order_id,
        min(
            case when shipped_at <= {{ as_of_timestamp() }} then shipped_at end
        ) as first_shipped_as_of,
        max(shipped_at) as last_shipped_at,
        max(loaded_at) as loaded_at

    from amazon_shipments
    group by amazon_order_id

),

amazon_return_times as (

    select
        amazon_order_id,
        max(returned_at) as last_returned_at,
        max(
            case when returned_at <= {{ as_of_timestamp() }} then returned_at end
        ) as last_returned_as_of,
        max(loaded_at) as loaded_at

    from amazon_returns
    group by amazon_order_id

),

amazon as (

    select
        -- ids
        {{ dbt.concat(["'amazon:'", 'orders.amazon_order_id']) }} as order_key,
        orders.amazon_order_id as order_id,
        cast(null as {{ dbt.type_bigint() }}) as shopify_customer_id,

        -- strings
        'amazon' as source_system,
        orders.amazon_order_id as order_name,
        'Amazon' as channel_source,
        orders.sales_channel as marketplace,
        orders.fulfillment_channel,
        'amazon' as actor_source_system,
        'order' as actor_entity,
        orders.amazon_order_id as actor_key,
        orders.email,
        -- a pending order has no amount yet: its marketplace's currency
        coalesce(orders.currency, by_channel.currency, by_id.currency) as currency,
        cast(null as {{ dbt.type_string() }}) as utm_source,
        cast(null as {{ dbt.type_string() }}) as utm_medium,
        cast(null as {{ dbt.type_string() }}) as utm_campaign,
        cast(null as {{ dbt.type_string() }}) as landing_page,
        cast(null as {{ dbt.type_string() }}) as landing_site,
        cast(null as {{ dbt.type_string() }}) as referring_site,
        cast(null as {{ dbt.type_string() }}) as device_type,

        -- numerics
        item_totals.tax_amount,
        item_totals.shipping_amount,

        -- booleans
        coalesce(
            orders.order_status = 'Canceled' and orders.last_updated_at <= {{ as_of_timestamp() }}, false
        ) as is_cancelled,
        coalesce(orders.is_business_order, false) as is_business_order,

        -- timestamps
        orders.purchased_at as ordered_at,
        -- FBA orders are fulfilled by their first shipment; merchant-fulfilled (MFN) orders when
        -- they turn Shipped (their last update).
        coalesce(
            shipment_times.first_shipped_as_of,
            case
                when
                    orders.fulfillment_channel = 'MFN'
                    and orders.order_status = 'Shipped'
                    and orders.last_updated_at <= {{ as_of_timestamp() }}
                    then orders.last_updated_at
            end
        ) as fulfilled_at,
        case
            when orders.order_status = 'Canceled' and orders.last_updated_at <= {{ as_of_timestamp() }}
                then orders.last_updated_at
        end as cancelled_at,
        return_times.last_returned_as_of as last_refunded_at,
        {{ greatest_timestamp([
            'orders.purchased_at', 'orders.last_updated_at', 'shipment_times.last_shipped_at',
            'return_times.last_returned_at'
        ]) }} as source_last_activity_at,
        {{ greatest_timestamp(['orders.loaded_at', 'shipment_times.loaded_at', 'return_times.loaded_at']) }}
            as loaded_at

    from amazon_orders as orders
    left join amazon_item_totals as item_totals
        on orders.amazon_order_id = item_totals.amazon_order_id
    left join amazon_shipment_times as shipment_times
        on orders.amazon_order_id = shipment_times.amazon_order_id
    left join amazon_return_times as return_times
        on orders.amazon_order_id = return_times.amazon_order_id
    left join amazon_marketplaces as by_channel
        on lower(orders.sales_channel) = lower(by_channel.sales_channel)
    left join amazon_marketplaces as by_id
        on orders.marketplace_id = by_id.marketplace_id

),

unioned as (

    select * from shopify
    union all
    select * from amazon

),

combined as (

    select
        -- ids
        unioned.order_key,
        unioned.order_id,
        unioned.shopify_customer_id,

        -- strings
        unioned.source_system,
        unioned.order_name,
        unioned.channel_source,
        unioned.marketplace,
        unioned.fulfillment_channel,
        unioned.actor_source_system,
        unioned.actor_entity,
        unioned.actor_key,
        unioned.email,
        coalesce(unioned.currency, order_totals.currency) as currency,
        unioned.utm_source,
        unioned.utm_medium,
        unioned.utm_campaign,
        unioned.landing_page,
        unioned.landing_site,
        unioned.referring_site,
        unioned.device_type,

        -- numerics
        cast(coalesce(order_totals.gross_revenue, 0) as numeric(18, 2)) as gross_revenue,
        cast(coalesce(order_totals.discount_amount, 0) as numeric(18, 2)) as discount_amount,
        cast(unioned.shipping_amount as numeric(18, 2)) as shipping_amount,
        cast(unioned.tax_amount as numeric(18, 2)) as tax_amount,
        cast(coalesce(order_totals.item_refund_amount, 0) as numeric(18, 2)) as item_refund_amount,
        cast(coalesce(order_refunds.shipping_refund_amount, 0) as numeric(18, 2)) as shipping_refunds,
        cast(coalesce(order_totals.tax_refund_amount, 0) as numeric(18, 2)) as tax_refunds,
        cast(
            coalesce(order_totals.other_refund_amount, 0) + coalesce(order_refunds.unmatched_refund_amount, 0)
            as numeric(18, 2)
        ) as other_refunds,
        cast(coalesce(order_totals.net_revenue, 0) as numeric(18, 2)) as net_revenue,
        coalesce(order_totals.items_quantity, 0) as items_quantity,

        -- booleans
        unioned.is_cancelled,
        unioned.is_business_order,

        -- timestamps
        unioned.ordered_at,
        unioned.fulfilled_at,
        unioned.cancelled_at,
        unioned.last_refunded_at,
        {{ greatest_timestamp([
            'unioned.ordered_at', 'unioned.fulfilled_at', 'unioned.cancelled_at', 'unioned.last_refunded_at'
        ]) }} as last_activity_at,
        unioned.source_last_activity_at,
        {{ greatest_timestamp(['unioned.loaded_at', 'order_totals.loaded_at']) }} as loaded_at

    from unioned
    left join lines_by_order as order_totals
        on unioned.order_key = order_totals.order_key
    left join refunds_by_order as order_refunds
        on unioned.order_key = order_refunds.order_key

),

-- Shipping and tax refunds are capped at what was charged for them; the rest is other refund.
capped as (

    select
        combined.*,
        case
            when combined.shipping_refunds < coalesce(combined.shipping_amount, 0)
                then combined.shipping_refunds
            else coalesce(combined.shipping_amount, 0)
        end as shipping_refund_amount,
        case
            when combined.tax_refunds < coalesce(combined.tax_amount, 0)
                then combined.tax_refunds
            else coalesce(combined.tax_amount, 0)
        end as tax_refund_amount

    from combined

),

final as (

    select
        -- ids
        order_key,
        order_id,
        shopify_customer_id,

        -- strings
        source_system,
        order_name,
        channel_source,
        marketplace,
        fulfillment_channel,
        actor_source_system,
        actor_entity,
        actor_key,
        email,
        currency,
        utm_source,
        utm_medium,
        utm_campaign,
        landing_page,
        landing_site,
        referring_site,
        device_type,

        -- numerics
        gross_revenue,
        discount_amount,
        shipping_amount,
        tax_amount,
        item_refund_amount,
        cast(shipping_refund_amount as numeric(18, 2)) as shipping_refund_amount,
        cast(tax_refund_amount as numeric(18, 2)) as tax_refund_amount,
        cast(
            other_refunds + shipping_refunds - shipping_refund_amount + tax_refunds - tax_refund_amount
            as numeric(18, 2)
        ) as other_refund_amount,
        cast(
            item_refund_amount + shipping_refunds + tax_refunds + other_refunds as numeric(18, 2)
        ) as refund_amount,
        net_revenue,
        cast(
            case
                when is_cancelled then 0
                else
                    net_revenue + coalesce(shipping_amount, 0) + coalesce(tax_amount, 0)
                    - shipping_refunds - tax_refunds - other_refunds
            end as numeric(18, 2)
        ) as net_total,
        items_quantity,

        -- booleans
        is_cancelled,
        is_business_order,

        -- timestamps
        ordered_at,
        fulfilled_at,
        cancelled_at,
        last_refunded_at,
        last_activity_at,
        source_last_activity_at,
        loaded_at

    from capped

)

select * from final
