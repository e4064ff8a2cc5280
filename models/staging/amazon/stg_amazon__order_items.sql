with

source as (

    select * from {{ source('raw_amazon', 'order_items') }}

),

renamed as (

    select
        -- ids
        {{ dbt.cast('order_item_id', dbt.type_string()) }} as order_item_id,
        {{ dbt.cast('amazon_order_id', dbt.type_string()) }} as amazon_order_id,
        {{ dbt.cast('asin', dbt.type_string()) }} as asin,

        -- strings
        seller_sku as sku,
        title as product_title,
        item_price__currency_code as currency,

        -- numerics
        {{ dbt.cast('quantity_ordered', dbt.type_bigint()) }} as quantity_ordered,
        {{ dbt.cast('quantity_shipped', dbt.type_bigint()) }} as quantity_shipped,
        {{ to_decimal('item_price__amount') }} as item_price_amount,
        {{ to_decimal('item_tax__amount') }} as item_tax_amount,
        {{ to_decimal('promotion_discount__amount') }} as promotion_discount_amount,
        {{ to_decimal('shipping_price__amount') }} as shipping_price_amount,

        -- lineage
        'amazon' as source_system,
        {{ dbt.cast('order_item_id', dbt.type_string()) }} as source_record_key,
        _cdw_source_file as source_file,
        {{ loaded_at_utc('_cdw_loaded_at') }} as loaded_at

    from source

)

select
    -- ids
    order_item_id,
    amazon_order_id,
    asin,

    -- strings
    sku,
    product_title,
    currency,

    -- numerics
    quantity_ordered,
    quantity_shipped,
    item_price_amount,
    item_tax_amount,
    promotion_discount_amount,
    shipping_price_amount,

    -- lineage
    source_system,
    source_record_key,
    source_file,
    loaded_at

from renamed
