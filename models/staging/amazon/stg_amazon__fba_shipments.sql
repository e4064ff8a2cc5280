with

source as (

    select * from {{ source('raw_amazon', 'fba_shipments') }}

),

renamed as (

    select
        -- ids
        {{ dbt.cast('shipment_item_id', dbt.type_string()) }} as shipment_item_id,
        {{ dbt.cast('shipment_id', dbt.type_string()) }} as shipment_id,
        {{ dbt.cast('amazon_order_id', dbt.type_string()) }} as amazon_order_id,
        {{ dbt.cast('amazon_order_item_id', dbt.type_string()) }} as order_item_id,
        {{ dbt.cast('merchant_order_id', dbt.type_string()) }} as merchant_order_id,

        -- strings
        sku,
        currency,
        {{ normalize_email('buyer_email') }} as email,
        carrier,
        tracking_number,
        fulfillment_center_id,
        sales_channel,
        ship_city,
        ship_state,
        ship_postal_code,
        ship_country as ship_country_code,

        -- numerics
        {{ dbt.cast('quantity_shipped', dbt.type_bigint()) }} as quantity_shipped,
        {{ to_decimal('item_price') }} as item_price_amount,

        -- timestamps
        {{ parse_timestamp('purchase_date') }} as purchased_at,
        {{ parse_timestamp('shipment_date') }} as shipped_at,
        {{ parse_timestamp('reporting_date') }} as reported_at,
        {{ parse_timestamp('estimated_arrival_date') }} as estimated_arrival_at,

        -- lineage
        'amazon' as source_system,
        {{ dbt.cast('shipment_item_id', dbt.type_string()) }} as source_record_key,
        _cdw_source_file as source_file,
        {{ loaded_at_utc('_cdw_loaded_at') }} as loaded_at

    from source

)

select
    -- ids
    shipment_item_id,
    shipment_id,
    amazon_order_id,
    order_item_id,
    merchant_order_id,

    -- strings
    sku,
    currency,
    email,
    carrier,
    tracking_number,
    fulfillment_center_id,
    sales_channel,
    ship_city,
    ship_state,
    ship_postal_code,
    ship_country_code,

    -- numerics
    quantity_shipped,
    item_price_amount,

    -- timestamps
    purchased_at,
    shipped_at,
    reported_at,
    estimated_arrival_at,

    -- lineage
    source_system,
    source_record_key,
    source_file,
    loaded_at

from renamed
