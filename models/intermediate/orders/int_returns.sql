-- Refunded and returned units, one row per Shopify refund line or Amazon returned unit, as of
-- `as_of`, with the money given back. Amazon's returns report carries no money: a returned
-- unit is worth its order line's price after promotion, spread over the line's units.
with

shopify_refund_lines as (

    select * from {{ ref('stg_shopify__refund_lines') }}

),

shopify_refunds as (

    select * from {{ ref('stg_shopify__refunds') }}
    where created_at <= {{ as_of_timestamp() }}

),

shopify_order_lines as (

    select * from {{ ref('stg_shopify__order_lines') }}

),

amazon_returns as (

    select * from {{ ref('stg_amazon__returns') }}
    where returned_at <= {{ as_of_timestamp() }}

),

amazon_order_items as (

    select * from {{ ref('stg_amazon__order_items') }}

),

products as (

    select * from {{ ref('int_products') }}

),

-- An Amazon return names its order and SKU, not the order item: take the order's first item
-- of that SKU.
amazon_items_by_sku as (

    select
        *,
        row_number() over (
            partition by amazon_order_id, sku
            order by order_item_id
        ) as item_rank

    from amazon_order_items

),

shopify as (

    select
        -- ids
        {{ dbt.concat(["'shopify:'", dbt.cast('refund_lines.refund_line_id', dbt.type_string())]) }}
            as return_key,
        {{ dbt.concat(["'shopify:'", dbt.cast('refunds.order_id', dbt.type_string())]) }} as order_key,
        {{ dbt.concat(["'shopify:'", dbt.cast('refund_lines.order_line_id', dbt.type_string())]) }}
            as order_line_key,
        {{ dbt.cast('refunds.refund_id', dbt.type_string()) }} as refund_id,
        order_lines.product_id,

        -- strings
        'shopify' as source_system,
        'refunds__refund_line_items' as source_table,
        refund_lines.source_record_key,
        order_lines.sku,
        refund_lines.currency,
        refunds.refund_note as reason,
        cast(null as {{ dbt.type_string() }}) as reason_detail,
        refund_lines.restock_type as disposition,
        cast(null as {{ dbt.type_string() }}) as return_status,
        'shopify' as actor_source_system,
        'order' as actor_entity,
        {{ dbt.cast('refunds.order_id', dbt.type_string()) }} as actor_key,

        -- numerics
        refund_lines.quantity,
        refund_lines.refund_amount,

        -- timestamps
        refunds.created_at as returned_at,
        {{ greatest_timestamp(['refund_lines.loaded_at', 'refunds.loaded_at', 'order_lines.loaded_at']) }}
            as loaded_at

    from shopify_refund_lines as refund_lines
    inner join shopify_refunds as refunds
        on refund_lines.refund_id = refunds.refund_id
    left join shopify_order_lines as order_lines
        on refund_lines.order_line_id = order_lines.order_line_id

),

amazon as (

    select
        -- ids
        {{ dbt.concat(["'amazon:'", 'returned_units.license_plate_number']) }} as return_key,
        {{ dbt.concat(["'amazon:'", 'returned_units.amazon_order_id']) }} as order_key,
        case
            when items.order_item_id is not null
                then {{ dbt.concat(["'amazon:'", 'items.order_item_id']) }}
        end as order_line_key,
        cast(null as {{ dbt.type_string() }}) as refund_id,
        products.product_id,

        -- strings
        'amazon' as source_system,
        'returns' as source_table,
        returned_units.source_record_key,
        returned_units.sku,
        items.currency,
        returned_units.return_reason as reason,
        returned_units.customer_comments as reason_detail,
        returned_units.detailed_disposition as disposition,
        returned_units.return_status,
        'amazon' as actor_source_system,
        'order' as actor_entity,
        returned_units.amazon_order_id as actor_key,

        -- numerics
        returned_units.quantity,
        {{ prorate_amount(
            'items.item_price_amount - coalesce(items.promotion_discount_amount, 0)',
            'returned_units.quantity',
            'items.quantity_ordered'
        ) }} as refund_amount,

        -- timestamps
        returned_units.returned_at,
        {{ greatest_timestamp(['returned_units.loaded_at', 'items.loaded_at', 'products.loaded_at']) }}
            as loaded_at

    from amazon_returns as returned_units
    left join amazon_items_by_sku as items
        on
            returned_units.amazon_order_id = items.amazon_order_id
            and returned_units.sku = items.sku
            and items.item_rank = 1
    left join products
        on returned_units.sku = products.sku

),

unioned as (

    select * from shopify
    union all
    select * from amazon

)

select * from unioned
