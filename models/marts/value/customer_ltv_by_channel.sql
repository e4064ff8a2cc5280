-- Historical lifetime value per stitched customer and order channel (channel_source of the
-- order: Amazon, DTC, email, social, marketplace): the same measures as customer_ltv, split by
-- where the orders were placed. Money in the reporting currency.

with

customer_orders as (

    select * from {{ ref('customer_orders') }}

),

aggregated as (

    select
        customer_id,
        channel_source,
        count(*) as orders_count,
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
        max(case when is_first_order then 1 else 0 end) = 1 as is_acquisition_channel,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at

    from customer_orders
    group by customer_id, channel_source

),

final as (

    select
        -- ids
        customer_id,

        -- strings
        channel_source,

        -- numerics
        orders_count,
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
        case
            when sum(net_revenue) over (partition by customer_id) <> 0
                then
                    cast(net_revenue as {{ value_type_double() }})
                    / sum(net_revenue) over (partition by customer_id)
        end as share_of_net_revenue,
        {{ value_datediff('day', 'last_order_at', as_of_timestamp()) }} as days_since_last_order,

        -- booleans
        is_acquisition_channel,

        -- timestamps
        first_order_at,
        last_order_at,
        {{ as_of_timestamp() }} as as_of

    from aggregated

)

select * from final
