with

source as (

    select * from {{ source('raw_shopify', 'products__variants') }}

),

renamed as (

    select
        -- ids
        {{ dbt.cast('id', dbt.type_bigint()) }} as variant_id,
        {{ dbt.cast('product_id', dbt.type_bigint()) }} as product_id,

        -- strings
        sku,
        title as variant_title,
        {{ dbt.string_literal(var('shop_currency')) }} as currency,

        -- numerics
        {{ to_decimal('price') }} as unit_price,
        {{ to_decimal('inventory_item__cost') }} as unit_cost,

        -- lineage
        'shopify' as source_system,
        {{ dbt.cast('id', dbt.type_string()) }} as source_record_key,
        _cdw_source_file as source_file,
        {{ loaded_at_utc('_cdw_loaded_at') }} as loaded_at

    from source

)

select
    -- ids
    variant_id,
    product_id,

    -- strings
    sku,
    variant_title,
    currency,

    -- numerics
    unit_price,
    unit_cost,

    -- lineage
    source_system,
    source_record_key,
    source_file,
    loaded_at

from renamed
