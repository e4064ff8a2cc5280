with

source as (

    select * from {{ source('raw_shopify', 'customers') }}

),

-- Each distinct phone number of a column once, with the country it is read in (the default
-- address's country): a number may repeat across accounts, and normalising is the costliest step
-- of this view (one CTE per column: a query reading none of its numbers skips it).
account_phones as (

    {{ normalize_phone_e164_values(
        source('raw_shopify', 'customers'), 'phone',
        var('default_phone_region'), 'default_address__country_code'
    ) }}

),

address_phones as (

    {{ normalize_phone_e164_values(
        source('raw_shopify', 'customers'), 'default_address__phone',
        var('default_phone_region'), 'default_address__country_code'
    ) }}

),

renamed as (

    select
        -- ids
        {{ dbt.cast('id', dbt.type_bigint()) }} as customer_id,

        -- strings
        {{ normalize_email('email') }} as email,
        phone as phone_raw,
        default_address__phone as default_address_phone_raw,
        {{ phone_country_key('default_address__country_code') }} as phone_country_key,
        first_name,
        last_name,
        state as account_state,
        tags,
        currency,
        email_marketing_consent__state as email_marketing_consent_state,
        email_marketing_consent__opt_in_level as email_marketing_opt_in_level,
        sms_marketing_consent__state as sms_marketing_consent_state,
        default_address__company as company_name,
        default_address__address1 as address_line_1,
        default_address__city as city,
        default_address__province_code as province_code,
        default_address__zip as postal_code,
        default_address__country_code as country_code,

        -- booleans
        {{ dbt.cast('verified_email', dbt.type_boolean()) }} as is_email_verified,

        -- timestamps
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('updated_at') }} as updated_at,
        {{ parse_timestamp('email_marketing_consent__consent_updated_at') }}
            as email_marketing_consent_updated_at,
        {{ parse_timestamp('sms_marketing_consent__consent_updated_at') }}
            as sms_marketing_consent_updated_at,

        -- lineage
        'shopify' as source_system,
        {{ dbt.cast('id', dbt.type_string()) }} as source_record_key,
        _cdw_source_file as source_file,
        {{ loaded_at_utc('_cdw_loaded_at') }} as loaded_at

    from source

),

-- The phone numbers in E.164 (normalize_phone_e164), looked up among the distinct numbers.
phoned as (

    select
        renamed.*,
        account_phones.phone_e164 as phone,
        address_phones.phone_e164 as default_address_phone

    from renamed
    left join account_phones
        on
            renamed.phone_raw = account_phones.phone_raw
            and renamed.phone_country_key = account_phones.country_key
    left join address_phones
        on
            renamed.default_address_phone_raw = address_phones.phone_raw
            and renamed.phone_country_key = address_phones.country_key

)

select
    -- ids
    customer_id,

    -- strings
    email,
    phone,
    default_address_phone,
    first_name,
    last_name,
    account_state,
    tags,
    currency,
    email_marketing_consent_state,
    email_marketing_opt_in_level,
    sms_marketing_consent_state,
    company_name,
    address_line_1,
    city,
    province_code,
    postal_code,
    country_code,

    -- booleans
    is_email_verified,

    -- timestamps
    created_at,
    updated_at,
    email_marketing_consent_updated_at,
    sms_marketing_consent_updated_at,

    -- lineage
    source_system,
    source_record_key,
    source_file,
    loaded_at

from phoned
