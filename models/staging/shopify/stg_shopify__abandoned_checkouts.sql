with

source as (

    select * from {{ source('raw_shopify', 'abandoned_checkouts') }}

),

-- Each distinct phone number once: a shopper's number repeats across checkouts, and normalising is
-- the costliest step of this view.
checkout_phones as (

    {{ normalize_phone_e164_values(
        source('raw_shopify', 'abandoned_checkouts'), 'phone', var('default_phone_region')
    ) }}

),

renamed as (

    select
        -- ids
        {{ dbt.cast('id', dbt.type_bigint()) }} as checkout_id,
        {{ dbt.cast('customer__id', dbt.type_bigint()) }} as customer_id,

        -- strings
        token as checkout_token,
        {{ normalize_email('email') }} as email,
        phone as phone_raw,
        {{ phone_country_key() }} as phone_country_key,
        currency,
        landing_site,
        abandoned_checkout_url as recovery_url,

        -- numerics
        {{ to_decimal('subtotal_price') }} as subtotal_amount,
        {{ to_decimal('total_price') }} as total_amount,

        -- booleans
        completed_at is not null as is_completed,

        -- timestamps
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('updated_at') }} as updated_at,
        {{ parse_timestamp('completed_at') }} as completed_at,

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
        checkout_phones.phone_e164 as phone

    from renamed
    left join checkout_phones
        on
            renamed.phone_raw = checkout_phones.phone_raw
            and renamed.phone_country_key = checkout_phones.country_key

)

select
    -- ids
    checkout_id,
    customer_id,

    -- strings
    checkout_token,
    email,
    phone,
    currency,
    landing_site,
    recovery_url,

    -- numerics
    subtotal_amount,
    total_amount,

    -- booleans
    is_completed,

    -- timestamps
    created_at,
    updated_at,
    completed_at,

    -- lineage
    source_system,
    source_record_key,
    source_file,
    loaded_at

from phoned
