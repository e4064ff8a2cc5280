with

source as (

    select * from {{ source('raw_zendesk', 'users') }}

),

-- Each distinct phone number once, with the country it is read in (the locale's country): users
-- may share a number, and normalising is the costliest step of this view.
user_phones as (

    {{ normalize_phone_e164_values(
        source('raw_zendesk', 'users'), 'phone',
        var('default_phone_region'), dbt.split_part('locale', "'-'", 2)
    ) }}

),

renamed as (

    select
        -- ids
        {{ dbt.cast('id', dbt.type_bigint()) }} as user_id,
        {{ dbt.cast('organization_id', dbt.type_bigint()) }} as organization_id,
        {{ dbt.cast('external_id', dbt.type_string()) }} as external_id,

        -- strings
        name as user_name,
        {{ normalize_email('email') }} as email,
        phone as phone_raw,
        {{ phone_country_key(dbt.split_part('locale', "'-'", 2)) }} as phone_country_key,
        role as user_role,
        time_zone,
        locale,
        tags,

        -- booleans
        {{ dbt.cast('active', dbt.type_boolean()) }} as is_active,
        {{ dbt.cast('suspended', dbt.type_boolean()) }} as is_suspended,

        -- timestamps
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('updated_at') }} as updated_at,

        -- lineage
        'zendesk' as source_system,
        {{ dbt.cast('id', dbt.type_string()) }} as source_record_key,
        _cdw_source_file as source_file,
        {{ loaded_at_utc('_cdw_loaded_at') }} as loaded_at

    from source

),

-- The phone numbers in E.164 (normalize_phone_e164), looked up among the distinct numbers.
phoned as (

    select
        renamed.*,
        user_phones.phone_e164 as phone

    from renamed
    left join user_phones
        on
            renamed.phone_raw = user_phones.phone_raw
            and renamed.phone_country_key = user_phones.country_key

)

select
    -- ids
    user_id,
    organization_id,
    external_id,

    -- strings
    user_name,
    email,
    phone,
    user_role,
    time_zone,
    locale,
    tags,

    -- booleans
    is_active,
    is_suspended,

    -- timestamps
    created_at,
    -- A version time before the creation is no time of change: the tickets CSV lands its
    -- requesters with an old version marker (so a real user row always wins the merge), and the
    -- user is then at least as recent as its first ticket.
    case
        when updated_at is null or created_at is null or updated_at >= created_at then updated_at
        else created_at
    end as updated_at,

    -- lineage
    source_system,
    source_record_key,
    source_file,
    loaded_at

from phoned
