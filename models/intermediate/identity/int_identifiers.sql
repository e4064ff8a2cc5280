-- Every identifier of every actor record, one row per (record, identifier type, value): the
-- edges of the record-identifier graph before any rule. Values are normalised match keys
-- (e-mail folded to its inbox, phone in E.164, address in canonical form); `raw_value` is the
-- value as staging holds it. Which types may merge records is decided by the rules seed, not here.

{#- (CTE, identifier type, raw value, normalised value) per extracted identifier. Every source CTE
    is computed once (identity_cte_hint) with its keys as columns: `email_key` (identity_email_key
    of staging's `email`, which staging already put through normalize_email: its regular
    expressions are not run again here); the values below are plain columns or cheap string
    tests. -#}
{%- set extractions = [
    ('shopify_customers', 'shopify_customer_id', 'customer_key', 'customer_key'),
    ('shopify_customers', 'email', 'email', 'email_key'),
    ('shopify_customers', 'phone', 'phone', 'phone'),
    ('shopify_customers', 'phone', 'default_address_phone', 'default_address_phone'),
    ('shopify_customers', 'person_name', 'full_name', 'person_name'),
    ('shopify_customers', 'name_address', 'address_line_1', 'name_address_key'),
    ('shopify_customers', 'postal_address', 'address_line_1', 'address_key'),
    ('shopify_customers', 'full_name', 'full_name', 'full_name'),
    ('shopify_customers', 'first_name', 'full_name', 'first_name_key'),
    ('shopify_orders', 'shopify_order_number', 'order_name', 'order_number'),
    ('shopify_orders', 'shopify_customer_id', 'customer_key', 'customer_key'),
    ('shopify_orders', 'email', 'email', 'email_key'),
    ('shopify_orders', 'phone', 'phone', 'phone'),
    ('shopify_orders', 'phone', 'billing_phone', 'billing_phone'),
    ('shopify_orders', 'phone', 'recipient_phone', 'recipient_phone'),
    ('shopify_orders', 'person_name', 'shipping_name', 'person_name'),
    ('shopify_orders', 'postal_address', 'address_line_1', 'address_key'),
    ('shopify_orders', 'checkout_token', 'checkout_token', 'checkout_token'),
    ('shopify_orders', 'name_address', 'address_line_1', 'name_address_key'),
    ('shopify_orders', 'full_name', 'shipping_name', 'full_name'),
    ('shopify_orders', 'first_name', 'shipping_name', 'first_name_key'),
    ('shopify_checkouts', 'checkout_token', 'checkout_token', 'checkout_token'),
    ('shopify_checkouts', 'shopify_customer_id', 'customer_key', 'customer_key'),
    ('shopify_checkouts', 'email', 'email', 'email_key'),
    ('shopify_checkouts', 'phone', 'phone', 'phone'),
    ('shopify_devices', 'device_id', 'client_id', 'client_id'),
    ('shopify_device_logins', 'shopify_customer_id', 'customer_key', 'customer_key'),
    ('shopify_device_checkouts', 'checkout_token', 'checkout_token', 'checkout_token'),
    ('amazon_orders', 'amazon_order_id', 'amazon_order_id', 'amazon_order_id'),
    ('amazon_orders', 'email', 'email', 'email_key'),
    ('amazon_orders', 'phone', 'phone', 'phone'),
    ('amazon_orders', 'name_address', 'shipping_address_line_1', 'name_address_key'),
    ('amazon_orders', 'postal_address', 'shipping_address_line_1', 'address_key'),
    ('amazon_orders', 'full_name', 'full_name', 'full_name'),
    ('amazon_orders', 'person_name', 'full_name', 'person_name'),
    ('amazon_orders', 'first_name', 'full_name', 'first_name_key'),
    ('amazon_order_buyers', 'email', 'email', 'email_key'),
    ('klaviyo_profiles', 'klaviyo_profile_id', 'profile_id', 'profile_id'),
    ('klaviyo_profiles', 'shopify_customer_id', 'external_id', 'customer_key'),
    ('klaviyo_profiles', 'email', 'email', 'email_key'),
    ('klaviyo_profiles', 'phone', 'phone', 'phone'),
    ('klaviyo_profiles', 'full_name', 'full_name', 'full_name'),
    ('klaviyo_profiles', 'person_name', 'full_name', 'person_name'),
    ('klaviyo_profiles', 'first_name', 'full_name', 'first_name_key'),
    ('zendesk_users', 'zendesk_user_id', 'user_key', 'user_key'),
    ('zendesk_users', 'shopify_customer_id', 'external_id', 'customer_key'),
    ('zendesk_users', 'email', 'email', 'email_key'),
    ('zendesk_users', 'phone', 'phone', 'phone'),
    ('zendesk_users', 'full_name', 'full_name', 'full_name'),
    ('zendesk_users', 'person_name', 'full_name', 'person_name'),
    ('zendesk_users', 'first_name', 'full_name', 'first_name_key'),
    ('zendesk_ticket_orders', 'shopify_order_number', 'external_id', 'order_number'),
    ('zendesk_ticket_orders', 'amazon_order_id', 'external_id', 'amazon_order_id'),
] %}

{#- A record may carry one value of a type from several columns or CTEs (an order's phone,
    billing and shipping phone; an Amazon order's e-mail on the order and on its shipments):
    only those extractions are deduplicated (a grouping of every identifier row cost more than
    the rest of the model). The CTEs that extract for one record family, and the CTEs that are
    unions of several sources themselves: -#}
{%- set record_families = {
    'amazon_order_buyers': 'amazon_orders',
    'shopify_device_logins': 'shopify_devices',
    'shopify_device_checkouts': 'shopify_devices',
    'zendesk_ticket_orders': 'zendesk_users',
} -%}
{%- set unioned_ctes = ['amazon_order_buyers', 'zendesk_ticket_orders'] -%}
{#- The (source_system, source_entity) of each record family's records. -#}
{%- set family_keys = {
    'shopify_customers': ('shopify', 'customer'),
    'shopify_orders': ('shopify', 'order'),
    'shopify_checkouts': ('shopify', 'checkout'),
    'shopify_devices': ('shopify', 'device'),
    'amazon_orders': ('amazon', 'order'),
    'klaviyo_profiles': ('klaviyo', 'profile'),
    'zendesk_users': ('zendesk', 'user'),
} -%}
{%- set extractions_per_type = {} -%}
{%- for cte, identifier_type, raw_value, value in extractions -%}
    {%- set family_type = record_families.get(cte, cte) ~ '/' ~ identifier_type -%}
    {%- do extractions_per_type.update({family_type: extractions_per_type.get(family_type, 0) + 1}) -%}
{%- endfor -%}
{%- set extraction_groups = {'once': [], 'repeating': []} -%}
{%- for extraction in extractions -%}
    {%- set family_type = record_families.get(extraction[0], extraction[0]) ~ '/' ~ extraction[1] -%}
    {%- if extractions_per_type[family_type] > 1 or extraction[0] in unioned_ctes -%}
        {%- do extraction_groups['repeating'].append(extraction) -%}
    {%- else -%}
        {%- do extraction_groups['once'].append(extraction) -%}
    {%- endif -%}
{%- endfor %}

with

identity_records as (

    select * from {{ ref('int_identity_records') }}

),

-- The store's customers, read once: their own identifiers and, as the account of their orders,
-- the account holder's name and address.
customer_rows as {{ identity_cte_hint() }} (

    select
        customer_id,
        email,
        phone,
        default_address_phone,
        address_line_1,
        first_name,
        last_name,
        {{ identity_address_key('address_line_1', 'postal_code', 'country_code') }} as address_key

    from {{ ref('stg_shopify__customers') }}

),

shopify_customers_unkeyed as (

    select
        'shopify' as source_system,
        'customer' as source_entity,
        cast(customer_id as {{ dbt.type_string() }}) as source_key,
        cast(customer_id as {{ dbt.type_string() }}) as customer_key,
        email,
        {{ identity_email_key_of_normalized('email') }} as email_key,
        phone,
        default_address_phone,
        address_line_1,
        {{ identity_name_key('first_name', 'last_name') }} as full_name,
        {{ identity_person_name_key(
            'first_name', 'last_name', email_key=identity_email_key_of_normalized('email')
        ) }} as person_name,
        address_key

    from customer_rows

),

shopify_customers as {{ identity_cte_hint() }} (

    {{ identity_with_name_keys('shopify_customers_unkeyed') }}

),

order_accounts as (

    select
        customer_id,
        {{ identity_person_name_key('first_name', 'last_name') }} as account_name,
        address_key as account_address_key

    from customer_rows

),

store_orders as {{ identity_cte_hint() }} (

    select
        order_id,
        customer_id,
        order_name,
        checkout_token,
        email,
        phone,
        billing_phone,
        shipping_phone,
        shipping_address_line_1,
        shipping_postal_code,
        shipping_country_code,
        shipping_name,
        billing_name,
        billing_address_line_1,
        billing_postal_code,
        billing_country_code

    from {{ ref('stg_shopify__orders') }}

),

-- The names orders are shipped and billed to, each written name's keys computed once (1.2M
-- orders carry ~75k distinct shipping names at the 1M-customer demo).
order_written_names as {{ identity_cte_hint() }} (

    {{ identity_written_names_sql('store_orders', ['shipping_name', 'billing_name']) }}

),

shipped_orders as {{ identity_cte_hint() }} (

    select
        store_orders.order_id,
        store_orders.customer_id,
        store_orders.order_name,
        store_orders.checkout_token,
        store_orders.email,
        store_orders.phone,
        store_orders.billing_phone,
        store_orders.shipping_phone,
        store_orders.shipping_address_line_1,
        store_orders.shipping_name,
        shipping_names.name_key as shipping_name_key,
        shipping_names.person_name_key as shipping_person_name,
        {{ identity_address_key(
            'store_orders.shipping_address_line_1',
            'store_orders.shipping_postal_code',
            'store_orders.shipping_country_code',
        ) }} as shipping_address_key,
        -- The buyer: the store account's holder; without a known account (an orders export
        -- carries no customer id), the name and address the order was billed to.
        coalesce(
            account_details.account_name,
            billing_names.person_name_key
        ) as account_name,
        coalesce(
            account_details.account_address_key,
            {{ identity_address_key(
                'store_orders.billing_address_line_1',
                'store_orders.billing_postal_code',
                'store_orders.billing_country_code',
            ) }}
        ) as account_address_key

    from store_orders
    left join order_accounts as account_details
        on store_orders.customer_id = account_details.customer_id
    left join order_written_names as shipping_names
        on store_orders.shipping_name = shipping_names.written_name
    left join order_written_names as billing_names
        on store_orders.billing_name = billing_names.written_name

),

-- Recipient is not buyer: an order of a known account (or, without one, billed to a name) that
-- ships to another name at another address (a gift, a drop-shipment) says nothing about who its
-- buyer is beyond the account, the e-mail, the order's phone and the billing phone. Its shipping
-- name, address and phone are the recipient's and are not the order's identity; its person is
-- the account holder (the billed name). An order shipped to a household member at the account's
-- own address still names that member.
ships_elsewhere as (

    select
        *,
        (
            account_name is not null
            and shipping_person_name is not null
            and not {{ identity_person_names_match('shipping_person_name', 'account_name') }}
        ) as ships_to_other_name

    from shipped_orders

),

gift_flags as {{ identity_cte_hint() }} (

    select
        *,
        coalesce(
            ships_to_other_name
            and (account_address_key is null or shipping_address_key != account_address_key),
            false
        ) as is_gift_order

    from ships_elsewhere

),

-- Store accounts several people order through: an order ships to another name at the account's
-- own address (a household member's own order). A gift from such an account may be any of
-- theirs: it names no one (below), where a gift from a one-person account names its holder.
shared_accounts as (

    select customer_id

    from gift_flags
    where
        not is_gift_order
        and ships_to_other_name
    group by customer_id

),

order_buyers as (

    select
        gift_flags.*,
        shared_accounts.customer_id is not null as is_shared_account

    from gift_flags
    left join shared_accounts
        on gift_flags.customer_id = shared_accounts.customer_id

),

shopify_orders_unkeyed as (

    select
        'shopify' as source_system,
        'order' as source_entity,
        cast(order_id as {{ dbt.type_string() }}) as source_key,
        cast(customer_id as {{ dbt.type_string() }}) as customer_key,
        order_name,
        nullif(trim(replace(order_name, '#', '')), '') as order_number,
        -- The checkout that placed the order: the storefront device that completed it has it too.
        checkout_token,
        email,
        {{ identity_email_key_of_normalized('email') }} as email_key,
        phone,
        billing_phone,
        case when not is_gift_order then shipping_phone end as recipient_phone,
        case when not is_gift_order then shipping_address_line_1 end as address_line_1,
        -- Who the order ships to: in a household sharing one store account, each member's own
        -- name; for a gift, the buyer: the account holder, unknown when several people order
        -- through the account.
        case
            when not is_gift_order then shipping_person_name
            when not is_shared_account then account_name
        end as person_name,
        case when not is_gift_order then shipping_name end as shipping_name,
        case when not is_gift_order then shipping_name_key end as full_name,
        case when not is_gift_order then shipping_address_key end as address_key

    from order_buyers

),

shopify_orders as {{ identity_cte_hint() }} (

    {{ identity_with_name_keys('shopify_orders_unkeyed') }}

),

checkout_rows as {{ identity_cte_hint() }} (

    select
        checkout_id,
        customer_id,
        checkout_token,
        email,
        phone

    from {{ ref('stg_shopify__abandoned_checkouts') }}

),

shopify_checkouts as {{ identity_cte_hint() }} (

    select
        'shopify' as source_system,
        'checkout' as source_entity,
        cast(checkout_id as {{ dbt.type_string() }}) as source_key,
        cast(customer_id as {{ dbt.type_string() }}) as customer_key,
        checkout_token,
        email,
        {{ identity_email_key_of_normalized('email') }} as email_key,
        phone

    from checkout_rows

),

pixel_events as {{ identity_cte_hint() }} (

    select
        client_id,
        customer_id,
        checkout_token

    from {{ ref('int_identity_devices') }}

),

shopify_devices as (

    select distinct
        'shopify' as source_system,
        'device' as source_entity,
        client_id as source_key,
        client_id

    from pixel_events

),

-- A browser logged in to a store account: the device belongs to that customer.
shopify_device_logins as (

    select distinct
        'shopify' as source_system,
        'device' as source_entity,
        client_id as source_key,
        cast(customer_id as {{ dbt.type_string() }}) as customer_key

    from pixel_events
    where customer_id is not null

),

-- A browser that started a checkout: the device belongs to whoever owns the checkout.
shopify_device_checkouts as (

    select distinct
        'shopify' as source_system,
        'device' as source_entity,
        client_id as source_key,
        checkout_token

    from pixel_events
    where checkout_token is not null

),

amazon_order_rows as {{ identity_cte_hint() }} (

    select
        amazon_order_id,
        email,
        phone,
        buyer_name,
        shipping_name,
        shipping_address_line_1,
        shipping_postal_code,
        shipping_country_code

    from {{ ref('stg_amazon__orders') }}

),

-- Buyer and recipient names, each written name's keys computed once (as for the store's orders);
-- `key_person_name`, the person key of the name key, is the order's `person_name`.
amazon_written_names as {{ identity_cte_hint() }} (

    {{ identity_written_names_sql('amazon_order_rows', ['buyer_name', 'shipping_name']) }}

),

amazon_keyed_orders as {{ identity_cte_hint() }} (

    select
        orders.amazon_order_id,
        orders.email,
        orders.phone,
        orders.shipping_address_line_1,
        coalesce(buyer_names.name_key, shipping_names.name_key) as full_name,
        case
            when buyer_names.name_key is not null then buyer_names.key_person_name
            else shipping_names.key_person_name
        end as person_name,
        buyer_names.person_name_key as buyer_person_name,
        shipping_names.person_name_key as shipping_person_name,
        {{ identity_address_key(
            'orders.shipping_address_line_1', 'orders.shipping_postal_code', 'orders.shipping_country_code'
        ) }} as address_key

    from amazon_order_rows as orders
    left join amazon_written_names as buyer_names
        on orders.buyer_name = buyer_names.written_name
    left join amazon_written_names as shipping_names
        on orders.shipping_name = shipping_names.written_name

),

amazon_named_orders as (

    select
        amazon_order_id,
        email,
        phone,
        shipping_address_line_1,
        full_name,
        person_name,
        address_key,
        coalesce(
            buyer_person_name is null
            or shipping_person_name is null
            or {{ identity_person_names_match('buyer_person_name', 'shipping_person_name') }},
            false
        ) as ships_to_buyer

    from amazon_keyed_orders

),

amazon_orders_unkeyed as (

    select
        'amazon' as source_system,
        'order' as source_entity,
        amazon_order_id as source_key,
        amazon_order_id,
        email,
        {{ identity_email_key_of_normalized('email') }} as email_key,
        phone,
        full_name,
        person_name,
        -- The ship-to address is the buyer's only when the order ships to the buyer's own name.
        case when ships_to_buyer then shipping_address_line_1 end as shipping_address_line_1,
        case when ships_to_buyer then address_key end as address_key

    from amazon_named_orders

),

amazon_orders as {{ identity_cte_hint() }} (

    {{ identity_with_name_keys('amazon_orders_unkeyed') }}

),

-- The buyer's relay address as shipments and feedback quote it (pending orders have none).
amazon_order_buyer_emails as (

    select distinct
        'amazon' as source_system,
        'order' as source_entity,
        amazon_order_id as source_key,
        email

    from {{ ref('stg_amazon__fba_shipments') }}
    where email is not null
    union all
    select distinct
        'amazon' as source_system,
        'order' as source_entity,
        amazon_order_id as source_key,
        email

    from {{ ref('stg_amazon__feedback') }}
    where email is not null

),

amazon_order_buyers as {{ identity_cte_hint() }} (

    select
        *,
        {{ identity_email_key_of_normalized('email') }} as email_key

    from amazon_order_buyer_emails

),

profile_rows as {{ identity_cte_hint() }} (

    select
        profile_id,
        external_id,
        email,
        phone,
        first_name,
        last_name

    from {{ ref('stg_klaviyo__profiles') }}

),

klaviyo_profiles_unkeyed as (

    select
        'klaviyo' as source_system,
        'profile' as source_entity,
        profile_id as source_key,
        profile_id,
        external_id,
        -- Klaviyo's external id is the Shopify customer id its Shopify integration syncs.
        nullif(trim(external_id), '') as customer_key,
        email,
        {{ identity_email_key_of_normalized('email') }} as email_key,
        phone,
        {{ identity_name_key('first_name', 'last_name') }} as full_name,
        {{ identity_person_name_key(
            'first_name', 'last_name', email_key=identity_email_key_of_normalized('email')
        ) }} as person_name

    from profile_rows

),

klaviyo_profiles as {{ identity_cte_hint() }} (

    {{ identity_with_name_keys('klaviyo_profiles_unkeyed', name_address=false) }}

),

user_rows as {{ identity_cte_hint() }} (

    select
        user_id,
        external_id,
        email,
        phone,
        user_name

    from {{ ref('stg_zendesk__users') }}
    where {{ zendesk_is_end_user('user_role') }}

),

zendesk_users_unkeyed as (

    select
        'zendesk' as source_system,
        'user' as source_entity,
        cast(user_id as {{ dbt.type_string() }}) as source_key,
        cast(user_id as {{ dbt.type_string() }}) as user_key,
        external_id,
        -- The store links help-desk users to store accounts through `external_id`.
        nullif(trim(external_id), '') as customer_key,
        email,
        {{ identity_email_key_of_normalized('email') }} as email_key,
        phone,
        {{ identity_name_key('user_name') }} as full_name,
        {{ identity_person_name_key(
            'user_name', none, email_key=identity_email_key_of_normalized('email')
        ) }} as person_name

    from user_rows

),

zendesk_users as {{ identity_cte_hint() }} (

    {{ identity_with_name_keys('zendesk_users_unkeyed', name_address=false) }}

),

-- Tickets quoting an order tie the requester to that order: the ticket's external id, and every
-- order number its subject quotes in a vendor's format (`#1234` for the store,
-- `123-1234567-1234567` for Amazon; identity_ticket_order_refs).
ticket_refs as (

    {{ identity_ticket_order_refs(ref('stg_zendesk__tickets')) }}

),

zendesk_ticket_orders as (

    select distinct
        'zendesk' as source_system,
        'user' as source_entity,
        cast(requester_id as {{ dbt.type_string() }}) as source_key,
        reference as external_id,
        case
            when reference like '#%' then nullif(trim(replace(reference, '#', '')), '')
        end as order_number,
        case
            when reference like '___-_______-_______' then reference
        end as amazon_order_id

    from ticket_refs

),

-- Each record family's extractions with the record's node and flags (identity_family_values_sql).
extracted_once as (

    {{ identity_family_values_sql(
        extraction_groups['once'], record_families, family_keys, 'identity_records'
    ) }}

),

extracted_repeating as (

    {{ identity_family_values_sql(
        extraction_groups['repeating'], record_families, family_keys, 'identity_records'
    ) }}

),

-- Values several columns of one record give (its phone twice, say), once (the flags are the
-- record's own).
extracted_repeating_once as (

    select
        record_node_id,
        identifier_type,
        identifier_value,
        min(raw_value) as raw_value,
        is_business_record,
        is_person_record

    from extracted_repeating
    group by
        record_node_id,
        identifier_type,
        identifier_value,
        is_business_record,
        is_person_record

),

record_identifiers as (

    select
        record_node_id,
        identifier_type,
        identifier_value,
        raw_value,
        is_business_record,
        is_person_record

    from extracted_once
    union all
    select
        record_node_id,
        identifier_type,
        identifier_value,
        raw_value,
        is_business_record,
        is_person_record

    from extracted_repeating_once

),

-- Suggested matches a data owner accepted (seed identity_accepted_matches), and pairs the
-- matcher scored at or above the configured auto-merge weight (off by default): both records
-- carry the pair as an `accepted_match` value, so the pair links like any strong identifier.
match_decisions as (

    select
        record_id_a,
        record_id_b,
        'accepted' as decision

    from {{ ref('identity_accepted_matches') }}
    where decision = 'accepted'

    union all

    select
        record_id_l as record_id_a,
        record_id_r as record_id_b,
        'auto_merge' as decision

    from {{ identity_suggested_pairs() }} as suggested
    where is_auto_merge

),

accepted as (

    select
        record_id_a as record_id,
        decision,
        {{ dbt.concat(['record_id_a', "'|'", 'record_id_b']) }} as identifier_value

    from match_decisions
    union all
    select
        record_id_b as record_id,
        decision,
        {{ dbt.concat(['record_id_a', "'|'", 'record_id_b']) }} as identifier_value

    from match_decisions

),

resolved as (

    select
        record_node_id,
        identifier_type,
        identifier_value,
        raw_value,
        is_business_record,
        is_person_record

    from record_identifiers

    union all

    select distinct
        records.record_node_id,
        'accepted_match' as identifier_type,
        accepted.identifier_value,
        accepted.decision as raw_value,
        records.is_business_record,
        records.is_person_record

    from accepted
    inner join identity_records as records
        on accepted.record_id = records.record_id

)

select
    -- ids
    record_node_id,

    -- strings
    identifier_type,
    identifier_value,
    raw_value,

    -- booleans
    is_business_record,
    is_person_record

from resolved
