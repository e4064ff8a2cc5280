-- Historical lifetime value per stitched customer with at least one order up to as_of: revenue
-- (gross, discounts, refunds and returns, net), orders, average order value, purchase
-- frequency, tenure and, where product costs are known, margin. Money in the reporting currency.

with

customer_orders as {{ inline_cte() }} (

    select * from {{ ref('customer_orders') }}

),

first_orders as (

    select
        customer_id,
        channel_source as first_order_channel

    from customer_orders
    where is_first_order

),

aggregated as (

    select
        customer_id,
        count(*) as orders_count,
        count(distinct channel_source) as channels_count,
        sum(items_quantity) as items_quantity,
        sum(gross_revenue) as gross_revenue,
        sum(discount_amount) as discount_amount,
        sum(shipping_amount) as shipping_amount,
        sum(tax_amount) as tax_amount,
        sum(item_refund_amount) as item_refund_amount,
        sum(shipping_refund_amount) as shipping_refund_amount,
        sum(tax_refund_amount) as tax_refund_amount,
        sum(other_refund_amount) as other_refund_amount,
        sum(refund_amount) as refund_amount,
        sum(net_revenue) as net_revenue,
        sum(net_total) as net_total,
        sum(product_cost) as product_cost,
        sum(gross_margin) as gross_margin,
        sum(case when has_complete_cost then 1 else 0 end) as orders_with_cost,
        max(case when is_business_customer then 1 else 0 end) = 1 as is_business_customer,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at

    from customer_orders
    group by customer_id

),

measured as (

    select
        aggregated.*,
        first_orders.first_order_channel,
        {{ value_datediff('day', 'aggregated.first_order_at', as_of_timestamp()) }} as tenure_days,
        {{ value_datediff('day', 'aggregated.last_order_at', as_of_timestamp()) }}
            as days_since_last_order,
        {{ value_datediff('day', 'aggregated.first_order_at', 'aggregated.last_order_at') }}
            as active_span_days

    from aggregated
    inner join first_orders
        on aggregated.customer_id = first_orders.customer_id

),

final as (

    select
        -- ids
        customer_id,

        -- strings
        first_order_channel,

        -- numerics
        orders_count,
        channels_count,
        items_quantity,
        gross_revenue,
        discount_amount,
        shipping_amount,
        tax_amount,
        item_refund_amount,
        shipping_refund_amount,
        tax_refund_amount,
        other_refund_amount,
        refund_amount,
        net_revenue,
        net_total,
        cast(net_revenue as {{ value_type_double() }}) / orders_count as average_order_value,
        product_cost,
        gross_margin,
        orders_with_cost,
        tenure_days,
        days_since_last_order,
        case
            when orders_count > 1
                then cast(active_span_days as {{ value_type_double() }}) / (orders_count - 1)
        end as average_days_between_orders,
        orders_count * 365.0 / (case when tenure_days > 365 then tenure_days else 365 end)
            as orders_per_year,
        {{ value_distribution_score('net_revenue', 10) }} as ltv_decile,

        -- booleans
        orders_count > 1 as is_repeat_customer,
        is_business_customer,

        -- timestamps
        first_order_at,
        last_order_at,
        {{ as_of_timestamp() }} as as_of

    from measured

)

select * from final
