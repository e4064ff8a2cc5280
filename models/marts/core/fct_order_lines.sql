{{
    config(
        materialized='incremental',
        unique_key='order_line_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="{{ delete_after_as_of('ordered_at') }}",
    )
}}

with

orders as (

    select * from {{ ref('int_orders') }}
    {% if is_incremental() %}
        where {{ incremental_window('source_last_activity_at', 'order_last_activity_at') }}
    {% endif %}

),

order_lines as (

    select * from {{ ref('int_order_lines') }}

),

final as (

    select
        -- ids
        order_lines.order_line_key,
        order_lines.order_key,
        order_lines.order_line_id,
        order_lines.order_id,
        order_lines.product_id,
        order_lines.variant_id,
        order_lines.actor_source_system,
        order_lines.actor_entity,
        order_lines.actor_key,

        -- strings
        order_lines.source_system,
        order_lines.sku,
        order_lines.product_title,
        order_lines.product_category,
        order_lines.currency,
        order_lines.unit_cost_currency,

        -- numerics
        order_lines.quantity,
        order_lines.refunded_quantity,
        order_lines.unit_price,
        order_lines.gross_revenue,
        order_lines.discount_amount,
        order_lines.item_refund_amount,
        order_lines.tax_refund_amount,
        order_lines.other_refund_amount,
        order_lines.refund_amount,
        order_lines.net_revenue,
        order_lines.unit_cost,

        -- booleans
        order_lines.is_cancelled,

        -- timestamps
        order_lines.ordered_at,
        orders.last_activity_at as order_last_activity_at,
        orders.loaded_at

    from order_lines
    inner join orders
        on order_lines.order_key = orders.order_key

)

select * from final
