with

source as (

    select * from {{ source('raw_shopify', 'refunds') }}

),

renamed as (

    select
        -- ids
        {{ dbt.cast('id', dbt.type_bigint()) }} as refund_id,
        {{ dbt.cast('order_id', dbt.type_bigint()) }} as order_id,

        -- strings
        note as refund_note,

        -- timestamps
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('processed_at') }} as processed_at,

        -- lineage
        'shopify' as source_system,
        {{ dbt.cast('id', dbt.type_string()) }} as source_record_key,
        _cdw_source_file as source_file,
        {{ loaded_at_utc('_cdw_loaded_at') }} as loaded_at

    from source

)

select
    -- ids
    refund_id,
    order_id,

    -- strings
    refund_note,

    -- timestamps
    created_at,
    processed_at,

    -- lineage
    source_system,
    source_record_key,
    source_file,
    loaded_at

from renamed
