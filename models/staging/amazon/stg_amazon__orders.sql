with

source as (

    select * from {{ source('raw_amazon', 'orders') }}

),

-- Each distinct phone number once, with the country it is read in (the shipping country): a
-- buyer's number repeats across orders, and normalising is the costliest step of this view.
order_phones as (

    {{ normalize_phone_e164_values(
        source('raw_amazon', 'orders'), 'shipping_address__phone',
        var('default_phone_region'), 'shipping_address__country_code'
    ) }}

),

renamed as (

    select
        -- ids
        {{ dbt.cast('amazon_order_id', dbt.type_string()) }} as amazon_order_id,
        {{ dbt.cast('marketplace_id', dbt.type_string()) }} as marketplace_id,

        -- strings
        order_status,
        fulfillment_channel,
        sales_channel,
        order_type,
        order_total__currency_code as currency,
        {{ normalize_email('buyer_info__buyer_email') }} as email,
        shipping_address__phone as phone_raw,
        {{ phone_country_key('shipping_address__country_code') }} as phone_country_key,
        buyer_info__buyer_name as buyer_name,
        buyer_info__buyer_tax_info__company_legal_name as buyer_company_name,
        shipping_address__name as shipping_name,
        shipping_address__address_line1 as shipping_address_line_1,
        shipping_address__city as shipping_city,
        shipping_address__state_or_region as shipping_state_or_region,
        shipping_address__postal_code as shipping_postal_code,
        shipping_address__country_code as shipping_country_code,

        -- numerics
        {{ to_decimal('order_total__amount') }} as order_total_amount,
        {{ dbt.cast('number_of_items_shipped', dbt.type_bigint()) }} as items_shipped_count,
        {{ dbt.cast('number_of_items_unshipped', dbt.type_bigint()) }} as items_unshipped_count,

        -- booleans
        {{ dbt.cast('is_business_order', dbt.type_boolean()) }} as is_business_order,
        {{ dbt.cast('is_prime', dbt.type_boolean()) }} as is_prime,

        -- timestamps
        {{ parse_timestamp('purchase_date') }} as purchased_at,
        {{ parse_timestamp('last_update_date') }} as last_updated_at,

        -- lineage
        'amazon' as source_system,
        {{ dbt.cast('amazon_order_id', dbt.type_string()) }} as source_record_key,
        _cdw_source_file as source_file,
        {{ loaded_at_utc('_cdw_loaded_at') }} as loaded_at

    from source

),

-- The phone numbers in E.164 (normalize_phone_e164), looked up among the distinct numbers.
phoned as (

    select
        renamed.*,
        order_phones.phone_e164 as phone

    from renamed
    left join order_phones
        on
            renamed.phone_raw = order_phones.phone_raw
            and renamed.phone_country_key = order_phones.country_key

)

select
    -- ids
    amazon_order_id,
    marketplace_id,

    -- strings
    order_status,
    fulfillment_channel,
    sales_channel,
    order_type,
    currency,
    email,
    phone,
    buyer_name,
    buyer_company_name,
    shipping_name,
    shipping_address_line_1,
    shipping_city,
    shipping_state_or_region,
    shipping_postal_code,
    shipping_country_code,

    -- numerics
    order_total_amount,
    items_shipped_count,
    items_unshipped_count,

    -- booleans
    is_business_order,
    is_prime,

    -- timestamps
    purchased_at,
    last_updated_at,

    -- lineage
    source_system,
    source_record_key,
    source_file,
    loaded_at

from phoned
