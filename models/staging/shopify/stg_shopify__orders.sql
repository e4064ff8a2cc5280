with

source as (

    select * from {{ source('raw_shopify', 'orders') }}

),

-- Each distinct phone number of a column once, with the country it is read in (the shipping
-- country): a buyer's number repeats across orders, and normalising is the costliest step of this
-- view (one CTE per column: a query reading none of its numbers skips it).
order_phones as (

    {{ normalize_phone_e164_values(
        source('raw_shopify', 'orders'), 'phone', var('default_phone_region'), 'shipping_address__country_code'
    ) }}

),

shipping_phones as (

    {{ normalize_phone_e164_values(
        source('raw_shopify', 'orders'), 'shipping_address__phone',
        var('default_phone_region'), 'shipping_address__country_code'
    ) }}

),

billing_phones as (

    {{ normalize_phone_e164_values(
        source('raw_shopify', 'orders'), 'billing_address__phone',
        var('default_phone_region'), 'shipping_address__country_code'
    ) }}

),

renamed as (

    select
        -- ids
        {{ dbt.cast('id', dbt.type_bigint()) }} as order_id,
        {{ dbt.cast('customer__id', dbt.type_bigint()) }} as customer_id,
        nullif(trim(checkout_token), '') as checkout_token,

        -- strings
        name as order_name,
        {{ normalize_email('email') }} as email,
        -- as typed (normalised in phoned)
        phone as phone_raw,
        shipping_address__phone as shipping_phone_raw,
        billing_address__phone as billing_phone_raw,
        {{ phone_country_key('shipping_address__country_code') }} as phone_country_key,
        financial_status,
        fulfillment_status,
        currency,
        source_name,
        landing_site,
        referring_site,
        client_details__user_agent as user_agent,
        nullif(trim(shipping_address__first_name), '') as shipping_first_name,
        nullif(trim(shipping_address__last_name), '') as shipping_last_name,
        -- The export file carries only the whole name; the API also its parts.
        coalesce(
            nullif(trim(shipping_address__name), ''),
            nullif(trim({{ dbt.concat([
                "coalesce(trim(shipping_address__first_name), '')", "' '",
                "coalesce(trim(shipping_address__last_name), '')"
            ]) }}), '')
        ) as shipping_name,
        shipping_address__company as shipping_company_name,
        shipping_address__address1 as shipping_address_line_1,
        shipping_address__city as shipping_city,
        shipping_address__province_code as shipping_province_code,
        shipping_address__zip as shipping_postal_code,
        shipping_address__country_code as shipping_country_code,
        -- Who paid (the export carries no customer id: a gift is recognised by these).
        nullif(trim(billing_address__name), '') as billing_name,
        billing_address__address1 as billing_address_line_1,
        billing_address__zip as billing_postal_code,
        billing_address__country_code as billing_country_code,

        -- numerics
        {{ to_decimal('subtotal_price') }} as subtotal_amount,
        {{ to_decimal('total_discounts') }} as discount_amount,
        {{ to_decimal('total_tax') }} as tax_amount,
        {{ to_decimal('total_shipping_price_set__shop_money__amount') }} as shipping_amount,
        {{ to_decimal('total_price') }} as total_amount,

        -- booleans
        cancelled_at is not null as is_cancelled,

        -- timestamps
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('updated_at') }} as updated_at,
        {{ parse_timestamp('processed_at') }} as processed_at,
        {{ parse_timestamp('cancelled_at') }} as cancelled_at,
        {{ parse_timestamp('fulfilled_at') }} as fulfilled_at,

        -- lineage
        'shopify' as source_system,
        {{ dbt.cast('id', dbt.type_string()) }} as source_record_key,
        _cdw_source_file as source_file,
        {{ loaded_at_utc('_cdw_loaded_at') }} as loaded_at

    from source

),

-- The phone numbers in E.164 (normalize_phone_e164), each looked up among the distinct numbers.
phoned as (

    select
        renamed.*,
        order_phones.phone_e164 as phone,
        shipping_phones.phone_e164 as shipping_phone,
        billing_phones.phone_e164 as billing_phone

    from renamed
    left join order_phones
        on
            renamed.phone_raw = order_phones.phone_raw
            and renamed.phone_country_key = order_phones.country_key
    left join shipping_phones
        on
            renamed.shipping_phone_raw = shipping_phones.phone_raw
            and renamed.phone_country_key = shipping_phones.country_key
    left join billing_phones
        on
            renamed.billing_phone_raw = billing_phones.phone_raw
            and renamed.phone_country_key = billing_phones.country_key

)

select
    -- ids
    order_id,
    customer_id,
    checkout_token,

    -- strings
    order_name,
    email,
    phone,
    shipping_phone,
    billing_phone,
    financial_status,
    fulfillment_status,
    currency,
    source_name,
    landing_site,
    referring_site,
    user_agent,
    shipping_first_name,
    shipping_last_name,
    shipping_name,
    shipping_company_name,
    shipping_address_line_1,
    shipping_city,
    shipping_province_code,
    shipping_postal_code,
    shipping_country_code,
    billing_name,
    billing_address_line_1,
    billing_postal_code,
    billing_country_code,

    -- numerics
    subtotal_amount,
    discount_amount,
    tax_amount,
    shipping_amount,
    total_amount,

    -- booleans
    is_cancelled,

    -- timestamps
    created_at,
    updated_at,
    processed_at,
    cancelled_at,
    fulfilled_at,

    -- lineage
    source_system,
    source_record_key,
    source_file,
    loaded_at

from phoned
