with

source as (

    select * from {{ source('raw_zendesk', 'tickets') }}

),

renamed as (

    select
        -- ids
        {{ dbt.cast('id', dbt.type_bigint()) }} as ticket_id,
        {{ dbt.cast('requester_id', dbt.type_bigint()) }} as requester_id,
        {{ dbt.cast('submitter_id', dbt.type_bigint()) }} as submitter_id,
        {{ dbt.cast('assignee_id', dbt.type_bigint()) }} as assignee_id,
        {{ dbt.cast('organization_id', dbt.type_bigint()) }} as organization_id,
        {{ dbt.cast('external_id', dbt.type_string()) }} as external_id,

        -- strings
        subject,
        status as ticket_status,
        priority as ticket_priority,
        type as ticket_type,
        via__channel as channel,
        tags,

        -- timestamps
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('updated_at') }} as updated_at,

        -- lineage
        'zendesk' as source_system,
        {{ dbt.cast('id', dbt.type_string()) }} as source_record_key,
        _cdw_source_file as source_file,
        {{ loaded_at_utc('_cdw_loaded_at') }} as loaded_at

    from source

)

select
    -- ids
    ticket_id,
    requester_id,
    submitter_id,
    assignee_id,
    organization_id,
    external_id,

    -- strings
    subject,
    ticket_status,
    ticket_priority,
    ticket_type,
    channel,
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
