with

source as (

    select * from {{ source('raw_klaviyo', 'profiles') }}

),

-- Each distinct phone number once, with the country it is read in (the profile's country):
-- profiles may share a number, and normalising is the costliest step of this view.
profile_phones as (

    {{ normalize_phone_e164_values(
        source('raw_klaviyo', 'profiles'), 'attributes__phone_number',
        var('default_phone_region'), 'attributes__location__country'
    ) }}

),

renamed as (

    select
        -- ids
        {{ dbt.cast('id', dbt.type_string()) }} as profile_id,
        {{ dbt.cast('attributes__external_id', dbt.type_string()) }} as external_id,

        -- strings
        {{ normalize_email('attributes__email') }} as email,
        attributes__phone_number as phone_raw,
        {{ phone_country_key('attributes__location__country') }} as phone_country_key,
        attributes__first_name as first_name,
        attributes__last_name as last_name,
        attributes__organization as organization_name,
        attributes__location__city as city,
        attributes__location__region as region,
        attributes__location__zip as postal_code,
        attributes__location__country as country,
        attributes__subscriptions__email__marketing__consent as email_marketing_consent,
        attributes__subscriptions__sms__marketing__consent as sms_marketing_consent,

        -- timestamps
        {{ parse_timestamp('attributes__created') }} as created_at,
        {{ parse_timestamp('attributes__updated') }} as updated_at,
        {{ parse_timestamp('attributes__subscriptions__email__marketing__consent_timestamp') }}
            as email_marketing_consent_at,
        {{ parse_timestamp('attributes__subscriptions__sms__marketing__consent_timestamp') }}
            as sms_marketing_consent_at,

        -- lineage
        'klaviyo' as source_system,
        {{ dbt.cast('id', dbt.type_string()) }} as source_record_key,
        _cdw_source_file as source_file,
        {{ loaded_at_utc('_cdw_loaded_at') }} as loaded_at

    from source

),

-- The phone numbers in E.164 (normalize_phone_e164), looked up among the distinct numbers.
phoned as (

    select
        renamed.*,
        profile_phones.phone_e164 as phone

    from renamed
    left join profile_phones
        on
            renamed.phone_raw = profile_phones.phone_raw
            and renamed.phone_country_key = profile_phones.country_key

)

select
    -- ids
    profile_id,
    external_id,

    -- strings
    email,
    phone,
    first_name,
    last_name,
    organization_name,
    city,
    region,
    postal_code,
    country,
    email_marketing_consent,
    sms_marketing_consent,

    -- timestamps
    created_at,
    updated_at,
    email_marketing_consent_at,
    sms_marketing_consent_at,

    -- lineage
    source_system,
    source_record_key,
    source_file,
    loaded_at

from phoned
