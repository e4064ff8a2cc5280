-- One row per order of a stitched customer placed up to as_of (cancelled orders left out), with
-- the customer it belongs to, its place in the customer's order history and its money in the
-- reporting currency (refunds and returns up to as_of netted, as fct_orders has them). The
-- base of LTV, RFM, cohorts, lifecycle, segments, triggers and KPIs.
--
-- Money is converted so that it still adds up to the cent and no refund exceeds its charge:
-- each charge and its net (items: gross, after discounts, after item refunds; shipping and tax:
-- charged, after their refunds) is converted and rounded, and the discounts and refunds are the
-- differences. Rounding is monotone, so none of them is negative; net_total is the sum of the
-- converted parts.

with

orders as (

    select * from {{ ref('fct_orders') }}
    where
        ordered_at <= {{ as_of_timestamp() }}
        and not coalesce(is_cancelled, false)

),

order_lines as (

    select * from {{ ref('fct_order_lines') }}

),

source_map as (

    select * from {{ ref('customer_source_map') }}

),

order_costs as (

    select
        order_key,
        sum(
            case
                when unit_cost is not null
                    then {{ value_reporting_amount(
                        '(quantity - coalesce(refunded_quantity, 0)) * unit_cost', 'unit_cost_currency'
                    ) }}
            end
        ) as product_cost,
        sum(case when unit_cost is null then 1 else 0 end) as lines_without_cost

    from order_lines
    group by order_key

),

customer_orders as (

    select
        orders.order_key,
        source_map.customer_id,
        orders.source_system,
        orders.channel_source,
        orders.marketplace,
        orders.currency,
        orders.utm_source,
        orders.utm_medium,
        orders.utm_campaign,
        orders.items_quantity,
        {{ value_reporting_amount('orders.gross_revenue', 'orders.currency') }} as gross_revenue,
        {{ value_reporting_amount('orders.gross_revenue - orders.discount_amount', 'orders.currency') }}
            as items_charged,
        {{ value_reporting_amount('orders.net_revenue', 'orders.currency') }} as net_revenue,
        {{ value_reporting_amount('coalesce(orders.shipping_amount, 0)', 'orders.currency') }}
            as shipping_amount,
        {{ value_reporting_amount(
            'coalesce(orders.shipping_amount, 0) - orders.shipping_refund_amount', 'orders.currency'
        ) }} as shipping_kept,
        {{ value_reporting_amount('coalesce(orders.tax_amount, 0)', 'orders.currency') }} as tax_amount,
        {{ value_reporting_amount(
            'coalesce(orders.tax_amount, 0) - orders.tax_refund_amount', 'orders.currency'
        ) }} as tax_kept,
        {{ value_reporting_amount('orders.other_refund_amount', 'orders.currency') }} as other_refund_amount,
        order_costs.product_cost,
        coalesce(order_costs.lines_without_cost, 1) = 0 as has_complete_cost,
        coalesce(orders.is_business_order, false) as is_business_order,
        coalesce(source_map.is_business_profile, false) as is_business_customer,
        orders.ordered_at,
        orders.fulfilled_at

    from orders
    inner join source_map
        on {{ actor_is_source_record('orders') }}
    left join order_costs
        on orders.order_key = order_costs.order_key

),

sequenced as (

    select
        *,
        row_number() over (
            partition by customer_id order by ordered_at, order_key
        ) as customer_order_number,
        lag(ordered_at) over (
            partition by customer_id order by ordered_at, order_key
        ) as previous_ordered_at

    from customer_orders

),

final as (

    select
        -- ids
        order_key,
        customer_id,

        -- strings
        source_system,
        channel_source,
        marketplace,
        currency,
        utm_source,
        utm_medium,
        utm_campaign,

        -- numerics
        customer_order_number,
        items_quantity,
        gross_revenue,
        gross_revenue - items_charged as discount_amount,
        shipping_amount,
        tax_amount,
        items_charged - net_revenue as item_refund_amount,
        shipping_amount - shipping_kept as shipping_refund_amount,
        tax_amount - tax_kept as tax_refund_amount,
        other_refund_amount,
        items_charged - net_revenue
        + shipping_amount - shipping_kept
        + tax_amount - tax_kept
        + other_refund_amount as refund_amount,
        net_revenue,
        net_revenue + shipping_kept + tax_kept - other_refund_amount as net_total,
        product_cost,
        case when has_complete_cost then net_revenue - product_cost end as gross_margin,
        {{ value_datediff('day', 'previous_ordered_at', 'ordered_at') }} as days_since_previous_order,

        -- booleans
        customer_order_number = 1 as is_first_order,
        has_complete_cost,
        is_business_order,
        is_business_customer,

        -- timestamps
        ordered_at,
        cast(ordered_at as date) as order_date,
        fulfilled_at,
        previous_ordered_at

    from sequenced

)

select * from final
