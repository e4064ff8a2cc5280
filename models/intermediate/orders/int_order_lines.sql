-- Order lines of both channels at one grain, as of `as_of`: gross, discounts, refunds and net
-- revenue per line in the order's currency. Tax and shipping are not revenue here.
--
-- A line's item refunds never exceed what its items were charged (gross - discounts): a refund
-- beyond that (goodwill, an adjustment, more refunded than sold) is `other_refund_amount`, so
-- net revenue is never negative and every refunded cent is still counted once.
with

shopify_orders as (

    select * from {{ ref('stg_shopify__orders') }}
    where created_at <= {{ as_of_timestamp() }}

),

shopify_order_lines as (

    select * from {{ ref('stg_shopify__order_lines') }}

),

amazon_orders as (

    select * from {{ ref('stg_amazon__orders') }}
    where purchased_at <= {{ as_of_timestamp() }}

),

amazon_order_items as (

    select * from {{ ref('stg_amazon__order_items') }}

),

products as {{ inline_cte() }} (

    select * from {{ ref('int_products') }}

),

returns as (

    select * from {{ ref('int_returns') }}

),

refunds_by_line as (

    select
        order_line_key,
        sum(quantity - excess_quantity) as refunded_quantity,
        sum(item_refund_amount) as item_refund_amount,
        sum(tax_refund_amount) as tax_refund_amount,
        max(loaded_at) as loaded_at

    from returns
    where order_line_key is not null
    group by order_line_key

),

shopify as (

    select
        -- ids
        {{ dbt.concat(["'shopify:'", dbt.cast('order_lines.order_line_id', dbt.type_string())]) }}
            as order_line_key,
        {{ dbt.concat(["'shopify:'", dbt.cast('order_lines.order_id', dbt.type_string())]) }} as order_key,
        {{ dbt.cast('order_lines.order_line_id', dbt.type_string()) }} as order_line_id,
        {{ dbt.cast('order_lines.order_id', dbt.type_string()) }} as order_id,
        order_lines.product_id,
        order_lines.variant_id,

        -- strings
        'shopify' as source_system,
        order_lines.sku,
        coalesce(products.product_title, order_lines.product_title) as product_title,
        products.product_category,
        order_lines.currency,
        products.currency as unit_cost_currency,
        'shopify' as actor_source_system,
        'order' as actor_entity,
        {{ dbt.cast('order_lines.order_id', dbt.type_string()) }} as actor_key,

        -- numerics
        order_lines.quantity,
        order_lines.unit_price,
        order_lines.unit_price * order_lines.quantity as gross_revenue,
        coalesce(order_lines.discount_amount, 0) as discount_amount,
        products.unit_cost,

        -- booleans
        coalesce(orders.cancelled_at <= {{ as_of_timestamp() }}, false) as is_cancelled,

        -- timestamps
        orders.created_at as ordered_at,
        {{ greatest_timestamp(['order_lines.loaded_at', 'orders.loaded_at', 'products.loaded_at']) }}
            as loaded_at

    from shopify_order_lines as order_lines
    inner join shopify_orders as orders
        on order_lines.order_id = orders.order_id
    left join products
        on order_lines.variant_id = products.variant_id

),

amazon as (

    select
        -- ids
        {{ dbt.concat(["'amazon:'", 'items.order_item_id']) }} as order_line_key,
        {{ dbt.concat(["'amazon:'", 'items.amazon_order_id']) }} as order_key,
        items.order_item_id as order_line_id,
        items.amazon_order_id as order_id,
        products.product_id,
        products.variant_id,

        -- strings
        'amazon' as source_system,
        items.sku,
        coalesce(products.product_title, items.product_title) as product_title,
        products.product_category,
        coalesce(items.currency, orders.currency) as currency,
        products.currency as unit_cost_currency,
        'amazon' as actor_source_system,
        'order' as actor_entity,
        items.amazon_order_id as actor_key,

        -- numerics
        items.quantity_ordered as quantity,
        {{ prorate_amount('items.item_price_amount', '1', 'items.quantity_ordered') }} as unit_price,
        coalesce(items.item_price_amount, 0) as gross_revenue,
        coalesce(items.promotion_discount_amount, 0) as discount_amount,
        products.unit_cost,

        -- booleans
        coalesce(
            orders.order_status = 'Canceled' and orders.last_updated_at <= {{ as_of_timestamp() }}, false
        ) as is_cancelled,

        -- timestamps
        orders.purchased_at as ordered_at,
        {{ greatest_timestamp(['items.loaded_at', 'orders.loaded_at', 'products.loaded_at']) }} as loaded_at

    from amazon_order_items as items
    inner join amazon_orders as orders
        on items.amazon_order_id = orders.amazon_order_id
    left join products
        on items.sku = products.sku

),

unioned as (

    select * from shopify
    union all
    select * from amazon

),

refunded as (

    select
        unioned.*,
        coalesce(refunds_by_line.refunded_quantity, 0) as refunds_quantity,
        coalesce(refunds_by_line.item_refund_amount, 0) as item_refunds,
        coalesce(refunds_by_line.tax_refund_amount, 0) as tax_refunds,
        -- What the line's items were charged; item refunds are capped there.
        case
            when unioned.gross_revenue - unioned.discount_amount > 0
                then unioned.gross_revenue - unioned.discount_amount
            else 0
        end as items_charged,
        refunds_by_line.loaded_at as refunds_loaded_at

    from unioned
    left join refunds_by_line
        on unioned.order_line_key = refunds_by_line.order_line_key

),

netted as (

    select
        -- ids
        order_line_key,
        order_key,
        order_line_id,
        order_id,
        product_id,
        variant_id,

        -- strings
        source_system,
        sku,
        product_title,
        product_category,
        currency,
        unit_cost_currency,
        actor_source_system,
        actor_entity,
        actor_key,

        -- numerics
        quantity,
        case when refunds_quantity < quantity then refunds_quantity else quantity end as refunded_quantity,
        cast(unit_price as numeric(18, 2)) as unit_price,
        cast(gross_revenue as numeric(18, 2)) as gross_revenue,
        cast(discount_amount as numeric(18, 2)) as discount_amount,
        cast(
            case when item_refunds < items_charged then item_refunds else items_charged end as numeric(18, 2)
        ) as item_refund_amount,
        cast(tax_refunds as numeric(18, 2)) as tax_refund_amount,
        cast(
            case
                when item_refunds > items_charged then item_refunds - items_charged
                else 0
            end as numeric(18, 2)
        ) as other_refund_amount,
        cast(item_refunds + tax_refunds as numeric(18, 2)) as refund_amount,
        -- A cancelled order was never charged: nothing of it is revenue.
        cast(
            case
                when is_cancelled then 0
                when item_refunds < items_charged then gross_revenue - discount_amount - item_refunds
                else gross_revenue - discount_amount - items_charged
            end as numeric(18, 2)
        ) as net_revenue,
        unit_cost,

        -- booleans
        is_cancelled,

        -- timestamps
        ordered_at,
        {{ greatest_timestamp(['loaded_at', 'refunds_loaded_at']) }} as loaded_at

    from refunded

)

select * from netted
