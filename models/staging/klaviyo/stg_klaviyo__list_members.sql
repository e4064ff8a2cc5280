with

source as (

    select * from {{ source('raw_klaviyo', 'list_members') }}

),

renamed as (

    select
        -- ids
        {{ dbt.hash(dbt.concat(['list_id', "'|'", 'profile_id'])) }} as list_member_id,
        {{ dbt.cast('list_id', dbt.type_string()) }} as list_id,
        {{ dbt.cast('profile_id', dbt.type_string()) }} as profile_id,

        -- timestamps
        {{ parse_timestamp('joined_group_at') }} as joined_at,

        -- lineage
        'klaviyo' as source_system,
        {{ dbt.concat(['list_id', "'|'", 'profile_id']) }} as source_record_key,
        _cdw_source_file as source_file,
        {{ loaded_at_utc('_cdw_loaded_at') }} as loaded_at

    from source

)

select
    -- ids
    list_member_id,
    list_id,
    profile_id,

    -- timestamps
    joined_at,

    -- lineage
    source_system,
    source_record_key,
    source_file,
    loaded_at

from renamed
