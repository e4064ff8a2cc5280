with

source as (

    select * from {{ source('raw_shopify', 'pixel_events') }}

),

renamed as (

    select
        -- ids
        {{ dbt.cast('id', dbt.type_string()) }} as event_id,
        {{ dbt.cast('client_id', dbt.type_string()) }} as client_id,
        {{ dbt.cast('customer_id', dbt.type_bigint()) }} as customer_id,
        {{ dbt.cast('data__product_variant__product__id', dbt.type_bigint()) }} as product_id,
        {{ dbt.cast('data__product_variant__id', dbt.type_bigint()) }} as variant_id,
        data__checkout__token as checkout_token,

        -- strings
        name as event_name,
        context__document__location__href as page_url,
        context__navigator__user_agent as user_agent,
        {{ dbt.string_literal(var('shop_currency')) }} as currency,

        -- numerics
        {{ to_decimal('data__product_variant__price__amount') }} as product_price,
        {{ dbt.cast('data__cart_line__quantity', dbt.type_bigint()) }} as cart_quantity,

        -- timestamps
        {{ parse_timestamp(adapter.quote('timestamp')) }} as occurred_at,

        -- lineage
        'shopify' as source_system,
        {{ dbt.cast('id', dbt.type_string()) }} as source_record_key,
        _cdw_source_file as source_file,
        {{ loaded_at_utc('_cdw_loaded_at') }} as loaded_at

    from source

)

select
    -- ids
    event_id,
    client_id,
    customer_id,
    product_id,
    variant_id,
    checkout_token,

    -- strings
    event_name,
    page_url,
    user_agent,
    currency,

    -- numerics
    product_price,
    cart_quantity,

    -- timestamps
    occurred_at,

    -- lineage
    source_system,
    source_record_key,
    source_file,
    loaded_at

from renamed
