with

source as (

    select * from {{ source('raw_shopify', 'abandoned_checkouts__line_items') }}

),

-- Checkout line items carry no currency of their own: it is their checkout's.
checkout_currencies as (

    select
        {{ dbt.cast('id', dbt.type_bigint()) }} as checkout_id,
        max(currency) as currency

    from {{ source('raw_shopify', 'abandoned_checkouts') }}
    group by id

),

renamed as (

    select
        -- ids
        {{ dbt.cast('id', dbt.type_string()) }} as checkout_line_id,
        {{ dbt.cast('checkout_id', dbt.type_bigint()) }} as checkout_id,
        {{ dbt.cast('product_id', dbt.type_bigint()) }} as product_id,
        {{ dbt.cast('variant_id', dbt.type_bigint()) }} as variant_id,

        -- strings
        title as product_title,

        -- numerics
        {{ dbt.cast('quantity', dbt.type_bigint()) }} as quantity,
        {{ to_decimal('price') }} as unit_price,

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
        checkout_currencies.currency

    from renamed
    left join checkout_currencies
        on renamed.checkout_id = checkout_currencies.checkout_id

)

select
    -- ids
    checkout_line_id,
    checkout_id,
    product_id,
    variant_id,

    -- strings
    product_title,
    currency,

    -- numerics
    quantity,
    unit_price,

    -- lineage
    source_system,
    source_record_key,
    source_file,
    loaded_at

from with_currency
