with

source as (

    select * from {{ source('raw_klaviyo', 'lists') }}

),

renamed as (

    select
        -- ids
        {{ dbt.cast('id', dbt.type_string()) }} as list_id,

        -- strings
        attributes__name as list_name,
        attributes__opt_in_process as opt_in_process,

        -- timestamps
        {{ parse_timestamp('attributes__created') }} as created_at,
        {{ parse_timestamp('attributes__updated') }} as updated_at,

        -- lineage
        'klaviyo' as source_system,
        {{ dbt.cast('id', dbt.type_string()) }} as source_record_key,
        _cdw_source_file as source_file,
        {{ loaded_at_utc('_cdw_loaded_at') }} as loaded_at

    from source

)

select
    -- ids
    list_id,

    -- strings
    list_name,
    opt_in_process,

    -- timestamps
    created_at,
    updated_at,

    -- lineage
    source_system,
    source_record_key,
    source_file,
    loaded_at

from renamed
