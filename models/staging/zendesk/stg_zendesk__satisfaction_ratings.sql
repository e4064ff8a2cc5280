with

source as (

    select * from {{ source('raw_zendesk', 'satisfaction_ratings') }}

),

renamed as (

    select
        -- ids
        {{ dbt.cast('id', dbt.type_bigint()) }} as satisfaction_rating_id,
        {{ dbt.cast('ticket_id', dbt.type_bigint()) }} as ticket_id,
        {{ dbt.cast('requester_id', dbt.type_bigint()) }} as requester_id,
        {{ dbt.cast('assignee_id', dbt.type_bigint()) }} as assignee_id,

        -- strings
        score as rating_score,
        comment as rating_comment,
        reason as rating_reason,

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
    satisfaction_rating_id,
    ticket_id,
    requester_id,
    assignee_id,

    -- strings
    rating_score,
    rating_comment,
    rating_reason,

    -- timestamps
    created_at,
    updated_at,

    -- lineage
    source_system,
    source_record_key,
    source_file,
    loaded_at

from renamed
