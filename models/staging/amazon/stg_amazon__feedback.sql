with

source as (

    select * from {{ source('raw_amazon', 'feedback') }}

),

renamed as (

    select
        -- ids
        {{ dbt.cast('order_id', dbt.type_string()) }} as amazon_order_id,

        -- strings
        comments as feedback_comment,
        your_response as seller_response,
        {{ normalize_email('rater_email') }} as email,

        -- numerics
        {{ dbt.cast('rating', dbt.type_bigint()) }} as rating,

        -- timestamps
        {{ parse_timestamp(adapter.quote('date')) }} as rated_at,

        -- lineage
        'amazon' as source_system,
        {{ dbt.cast('order_id', dbt.type_string()) }} as source_record_key,
        _cdw_source_file as source_file,
        {{ loaded_at_utc('_cdw_loaded_at') }} as loaded_at

    from source

)

select
    -- ids
    amazon_order_id,

    -- strings
    feedback_comment,
    seller_response,
    email,

    -- numerics
    rating,

    -- timestamps
    rated_at,

    -- lineage
    source_system,
    source_record_key,
    source_file,
    loaded_at

from renamed
