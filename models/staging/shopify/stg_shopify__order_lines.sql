with

source as (

    select * from {{ source('raw_shopify', 'orders__line_items') }}

),

-- Line items carry no currency of their own: it is their order's.
order_currencies as (

    select
        {{ dbt.cast('id', dbt.type_bigint()) }} as order_id,
        currency

    from {{ source('raw_shopify', 'orders') }}

),

renamed as (

    select
        -- ids
        {{ dbt.cast('id', dbt.type_bigint()) }} as order_line_id,
        {{ dbt.cast('order_id', dbt.type_bigint()) }} as order_id,
        {{ dbt.cast('product_id', dbt.type_bigint()) }} as product_id,
        {{ dbt.cast('variant_id', dbt.type_bigint()) }} as variant_id,

        -- strings
        sku,
        title as product_title,

        -- numerics
        {{ dbt.cast('quantity', dbt.type_bigint()) }} as quantity,
        {{ to_decimal('price') }} as unit_price,
        {{ to_decimal('total_discount') }} as discount_amount,

        -- lineage
        'shopify' as source_system,
        {{ dbt.cast('id', dbt.type_string()) }} as source_record_key,
        _cdw_source_file as source_file,
        {{ loaded_at_utc('_cdw_loaded_at') }} as loaded_at

    from source

),

with_currency as (

    select
        renamed.*,
        order_currencies.currency

    from renamed
    left join order_currencies
        on renamed.order_id = order_currencies.order_id

)

select
    -- ids
    order_line_id,
    order_id,
    product_id,
    variant_id,

    -- strings
    sku,
    product_title,
    currency,

    -- numerics
    quantity,
    unit_price,
    discount_amount,

    -- lineage
    source_system,
    source_record_key,
    source_file,
    loaded_at

from with_currency
