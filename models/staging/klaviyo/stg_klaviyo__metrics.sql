with

source as (

    select * from {{ source('raw_klaviyo', 'metrics') }}

),

renamed as (

    select
        -- ids
        {{ dbt.cast('id', dbt.type_string()) }} as metric_id,

        -- strings
        attributes__name as metric_name,
        attributes__integration__name as integration_name,

        -- lineage
        'klaviyo' as source_system,
        {{ dbt.cast('id', dbt.type_string()) }} as source_record_key,
        _cdw_source_file as source_file,
        {{ loaded_at_utc('_cdw_loaded_at') }} as loaded_at

    from source

)

select
    -- ids
    metric_id,

    -- strings
    metric_name,
    integration_name,

    -- lineage
    source_system,
    source_record_key,
    source_file,
    loaded_at

from renamed
