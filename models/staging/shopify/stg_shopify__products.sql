with

source as (

    select * from {{ source('raw_shopify', 'products') }}

),

renamed as (

    select
        -- ids
        {{ dbt.cast('id', dbt.type_bigint()) }} as product_id,

        -- strings
        title as product_title,
        handle as product_handle,
        product_type,
        vendor as product_vendor,
        status as product_status,
        tags,

        -- timestamps
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('updated_at') }} as updated_at,

        -- lineage
        'shopify' as source_system,
        {{ dbt.cast('id', dbt.type_string()) }} as source_record_key,
        _cdw_source_file as source_file,
        {{ loaded_at_utc('_cdw_loaded_at') }} as loaded_at

    from source

)

select
    -- ids
    product_id,

    -- strings
    product_title,
    product_handle,
    product_type,
    product_vendor,
    product_status,
    tags,

    -- timestamps
    created_at,
    updated_at,

    -- lineage
    source_system,
    source_record_key,
    source_file,
    loaded_at

from renamed
