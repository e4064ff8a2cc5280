with

source as (

    select * from {{ source('raw_klaviyo', 'events') }}

),

renamed as (

    select
        -- ids
        {{ dbt.cast('id', dbt.type_string()) }} as event_id,
        {{ dbt.cast('attributes__uuid', dbt.type_string()) }} as event_uuid,
        {{ dbt.cast('relationships__profile__data__id', dbt.type_string()) }} as profile_id,
        {{ dbt.cast('relationships__metric__data__id', dbt.type_string()) }} as metric_id,
        {{ dbt.cast('attributes__event_properties__list_id', dbt.type_string()) }} as list_id,

        -- strings
        attributes__event_properties__campaign_name as campaign_name,
        attributes__event_properties__subject as message_subject,
        attributes__event_properties__url as url,
        attributes__event_properties__message_channel as message_channel,

        -- timestamps
        {{ parse_timestamp('attributes__datetime') }} as occurred_at,

        -- lineage
        'klaviyo' as source_system,
        {{ dbt.cast('id', dbt.type_string()) }} as source_record_key,
        _cdw_source_file as source_file,
        {{ loaded_at_utc('_cdw_loaded_at') }} as loaded_at

    from source

)

select
    -- ids
    event_id,
    event_uuid,
    profile_id,
    metric_id,
    list_id,

    -- strings
    campaign_name,
    message_subject,
    url,
    message_channel,

    -- timestamps
    occurred_at,

    -- lineage
    source_system,
    source_record_key,
    source_file,
    loaded_at

from renamed
