with

source as (

    select * from {{ source('raw_amazon', 'returns') }}

),

renamed as (

    select
        -- ids
        {{ dbt.cast('license_plate_number', dbt.type_string()) }} as license_plate_number,
        {{ dbt.cast('order_id', dbt.type_string()) }} as amazon_order_id,
        {{ dbt.cast('asin', dbt.type_string()) }} as asin,
        {{ dbt.cast('fnsku', dbt.type_string()) }} as fnsku,

        -- strings
        sku,
        product_name,
        fulfillment_center_id,
        detailed_disposition,
        reason as return_reason,
        status as return_status,
        customer_comments,

        -- numerics
        {{ dbt.cast('quantity', dbt.type_bigint()) }} as quantity,

        -- timestamps
        {{ parse_timestamp('return_date') }} as returned_at,

        -- lineage
        'amazon' as source_system,
        {{ dbt.cast('license_plate_number', dbt.type_string()) }} as source_record_key,
        _cdw_source_file as source_file,
        {{ loaded_at_utc('_cdw_loaded_at') }} as loaded_at

    from source

)

select
    -- ids
    license_plate_number,
    amazon_order_id,
    asin,
    fnsku,

    -- strings
    sku,
    product_name,
    fulfillment_center_id,
    detailed_disposition,
    return_reason,
    return_status,
    customer_comments,

    -- numerics
    quantity,

    -- timestamps
    returned_at,

    -- lineage
    source_system,
    source_record_key,
    source_file,
    loaded_at

from renamed
