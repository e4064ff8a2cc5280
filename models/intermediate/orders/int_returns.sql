-- Refunded and returned units, one row per Shopify refund line or Amazon returned unit, as of
-- `as_of`, with the money given back split into item, shipping and tax refunds.
--
-- Shopify: a refund line's subtotal is the item refund (what the vendor reports). Amazon: the
-- returns report carries no money and names the order and SKU, not the order item. Returned
-- units fill the order's lines of that SKU in order-item order (earliest return first), so no
-- line is refunded more units than it sold; a unit is worth its share of the line's price after
-- promotion, plus its share of the line's tax (Amazon refunds the tax of a returned item), each
-- valued cumulatively so that all units of a line add up to the line exactly. Units beyond the
-- units sold (`excess_quantity`) carry no money.
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

-- Each Amazon order's lines of one SKU, with the units sold through each line.
amazon_lines_by_sku as (

    select
        *,
        sum(quantity_ordered) over (
            partition by amazon_order_id, sku
            order by order_item_id
            rows between unbounded preceding and current row
        ) as units_through,
        row_number() over (
            partition by amazon_order_id, sku
            order by order_item_id desc
        ) as rank_from_last

    from amazon_order_items

),

-- Each returned unit (row) with the units of the same order and SKU returned before it. A late
-- return can change where later ones land, so every return of an order and SKU carries the
-- newest load time among them (the incremental facts then rebuild them together).
amazon_returns_sequenced as (

    select
        *,
        coalesce(
            sum(quantity) over (
                partition by amazon_order_id, sku
                order by returned_at, license_plate_number
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as units_returned_before,
        max(loaded_at) over (partition by amazon_order_id, sku) as siblings_loaded_at

    from amazon_returns

),

-- The line holding the return's first unit; past the units sold, the SKU's last line.
amazon_matched as (

    select
        returned_units.*,
        items.order_item_id,
        items.currency,
        items.quantity_ordered,
        items.item_price_amount - coalesce(items.promotion_discount_amount, 0) as line_item_amount,
        coalesce(items.item_tax_amount, 0) as line_tax_amount,
        items.loaded_at as item_loaded_at,
        returned_units.units_returned_before - (items.units_through - items.quantity_ordered)
            as line_units_before,
        case
            when returned_units.units_returned_before < items.units_through
                then
                    least(
                        returned_units.quantity,
                        items.units_through - returned_units.units_returned_before
                    )
            else 0
        end as valued_quantity

    from amazon_returns_sequenced as returned_units
    left join amazon_lines_by_sku as items
        on
            returned_units.amazon_order_id = items.amazon_order_id
            and returned_units.sku = items.sku
            and (
                (
                    returned_units.units_returned_before >= items.units_through - items.quantity_ordered
                    and returned_units.units_returned_before < items.units_through
                )
                or (items.rank_from_last = 1 and returned_units.units_returned_before >= items.units_through)
            )

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
        cast(0 as {{ dbt.type_bigint() }}) as excess_quantity,
        cast(coalesce(refund_lines.refund_amount, 0) as numeric(18, 2)) as item_refund_amount,
        -- Shopify reports a refund line's tax and the refund's shipping (order adjustments)
        -- apart; neither is landed yet, so both are 0 here.
        cast(0 as numeric(18, 2)) as shipping_refund_amount,
        cast(0 as numeric(18, 2)) as tax_refund_amount,

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
            when returned_units.order_item_id is not null
                then {{ dbt.concat(["'amazon:'", 'returned_units.order_item_id']) }}
        end as order_line_key,
        cast(null as {{ dbt.type_string() }}) as refund_id,
        products.product_id,

        -- strings
        'amazon' as source_system,
        'returns' as source_table,
        returned_units.source_record_key,
        returned_units.sku,
        returned_units.currency,
        returned_units.return_reason as reason,
        returned_units.customer_comments as reason_detail,
        returned_units.detailed_disposition as disposition,
        returned_units.return_status,
        'amazon' as actor_source_system,
        'order' as actor_entity,
        returned_units.amazon_order_id as actor_key,

        -- numerics
        returned_units.quantity,
        returned_units.quantity - coalesce(returned_units.valued_quantity, 0) as excess_quantity,
        cast(coalesce(
            {{ prorate_amount(
                'returned_units.line_item_amount',
                'returned_units.line_units_before + returned_units.valued_quantity',
                'returned_units.quantity_ordered'
            ) }}
            - {{ prorate_amount(
                'returned_units.line_item_amount',
                'returned_units.line_units_before',
                'returned_units.quantity_ordered'
            ) }},
            0
        ) as numeric(18, 2)) as item_refund_amount,
        cast(0 as numeric(18, 2)) as shipping_refund_amount,
        cast(coalesce(
            {{ prorate_amount(
                'returned_units.line_tax_amount',
                'returned_units.line_units_before + returned_units.valued_quantity',
                'returned_units.quantity_ordered'
            ) }}
            - {{ prorate_amount(
                'returned_units.line_tax_amount',
                'returned_units.line_units_before',
                'returned_units.quantity_ordered'
            ) }},
            0
        ) as numeric(18, 2)) as tax_refund_amount,

        -- timestamps
        returned_units.returned_at,
        {{ greatest_timestamp([
            'returned_units.loaded_at', 'returned_units.siblings_loaded_at', 'returned_units.item_loaded_at',
            'products.loaded_at'
        ]) }} as loaded_at

    from amazon_matched as returned_units
    left join products
        on returned_units.sku = products.sku

),

unioned as (

    select * from shopify
    union all
    select * from amazon

),

final as (

    select
        *,
        cast(
            item_refund_amount + shipping_refund_amount + tax_refund_amount as numeric(18, 2)
        ) as refund_amount

    from unioned

)

select * from final
