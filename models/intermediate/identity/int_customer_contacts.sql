-- Who each customer is, from the records of their profile: the ids every system gave them,
-- the best e-mail and phone (rule priority and source ranking below), and a display name.
--
-- Best e-mail / phone: never a blocked value; a value the person does not share (not demoted
-- as shared) before a shared one; then by source: the store account (the address the customer
-- manages), a Klaviyo profile (subscribed there), a store order or checkout, a Zendesk user;
-- then the most recently seen record. Marketplace relay addresses are ids, not e-mails.

with

registry as {{ inline_cte() }} (

    select * from {{ ref('int_identity_id_registry') }}
    where is_active

),

all_identifiers as (

    select * from {{ ref('int_identifiers') }}

),

value_rules as (

    select * from {{ ref('int_identity_identifier_rules') }}

),

records as {{ inline_cte() }} (

    select * from {{ ref('int_identity_records') }}

),

-- The contact identifiers with the key of their record.
identifiers as (

    select
        records.record_id,
        all_identifiers.identifier_type,
        all_identifiers.identifier_value,
        all_identifiers.raw_value

    from all_identifiers
    inner join records
        on all_identifiers.record_node_id = records.record_node_id
    where all_identifiers.identifier_type in ('email', 'phone', 'amazon_buyer_email')

),

source_ranks as (

    select
        record_id,
        last_seen_at,
        case
            when source_system = 'shopify' and source_entity = 'customer' then 1
            when source_system = 'klaviyo' then 2
            when source_system = 'shopify' and source_entity = 'order' then 3
            when source_system = 'shopify' and source_entity = 'checkout' then 4
            when source_system = 'zendesk' then 5
            else 6
        end as source_rank

    from records

),

-- A value's rule status, whatever its match scope.
value_status as (

    select
        identifier_type,
        identifier_value,
        max(case when is_blocked then 1 else 0 end) = 1 as is_blocked,
        max(case when is_shared then 1 else 0 end) = 1 as is_shared

    from value_rules
    where identifier_type in ('email', 'phone')
    group by
        identifier_type,
        identifier_value

),

contact_points as (

    select
        registry.customer_id,
        identifiers.identifier_type,
        identifiers.raw_value as contact_value,
        identifiers.record_id,
        source_ranks.source_rank,
        source_ranks.last_seen_at,
        value_status.is_shared,
        row_number() over (
            partition by registry.customer_id, identifiers.identifier_type
            order by
                case when value_status.is_shared then 1 else 0 end,
                source_ranks.source_rank asc,
                source_ranks.last_seen_at desc nulls last,
                identifiers.raw_value asc,
                identifiers.record_id asc
        ) as contact_rank

    from identifiers
    inner join registry
        on identifiers.record_id = registry.record_id
    inner join source_ranks
        on identifiers.record_id = source_ranks.record_id
    inner join value_status
        on
            identifiers.identifier_type = value_status.identifier_type
            and identifiers.identifier_value = value_status.identifier_value
    where
        identifiers.identifier_type in ('email', 'phone')
        and not value_status.is_blocked

),

names as (

    select
        {{ dbt.concat(["'shopify:customer:'", dbt.cast('customer_id', dbt.type_string())]) }} as record_id,
        nullif(trim(first_name), '') as first_name,
        nullif(trim(last_name), '') as last_name,
        1 as name_rank

    from {{ ref('stg_shopify__customers') }}

    union all

    select
        {{ dbt.concat(["'klaviyo:profile:'", 'profile_id']) }} as record_id,
        nullif(trim(first_name), '') as first_name,
        nullif(trim(last_name), '') as last_name,
        case when nullif(trim(last_name), '') is null then 4 else 2 end as name_rank

    from {{ ref('stg_klaviyo__profiles') }}

    union all

    select
        {{ dbt.concat(["'amazon:order:'", 'amazon_order_id']) }} as record_id,
        nullif({{ dbt.split_part("trim(coalesce(buyer_name, shipping_name))", "' '", 1) }}, '') as first_name,
        nullif(trim(substr(
            trim(coalesce(buyer_name, shipping_name)),
            length({{ dbt.split_part("trim(coalesce(buyer_name, shipping_name))", "' '", 1) }}) + 1
        )), '') as last_name,
        3 as name_rank

    from {{ ref('stg_amazon__orders') }}

    union all

    select
        {{ dbt.concat(["'zendesk:user:'", dbt.cast('user_id', dbt.type_string())]) }} as record_id,
        nullif({{ dbt.split_part('trim(user_name)', "' '", 1) }}, '') as first_name,
        nullif(
            trim(substr(trim(user_name), length({{ dbt.split_part('trim(user_name)', "' '", 1) }}) + 1)), ''
        )
            as last_name,
        5 as name_rank

    from {{ ref('stg_zendesk__users') }}

),

ranked_names as (

    select
        registry.customer_id,
        names.first_name,
        names.last_name,
        row_number() over (
            partition by registry.customer_id
            order by
                names.name_rank asc,
                source_ranks.last_seen_at desc nulls last,
                names.first_name asc,
                names.last_name asc,
                names.record_id asc
        ) as name_order

    from names
    inner join registry
        on names.record_id = registry.record_id
    inner join source_ranks
        on names.record_id = source_ranks.record_id
    where names.first_name is not null

),

system_ids as (

    select
        registry.customer_id,
        count(*) as records_count,
        {{ identity_count_distinct_few('registry.source_system') }} as systems_count,
        {{ identity_string_agg('registry.source_system', few_per_group=true) }} as source_systems,
        {{ identity_string_agg(
            "case when registry.source_entity = 'customer' then registry.source_key end", few_per_group=true
        ) }}
            as shopify_customer_ids,
        {{ identity_string_agg(
            "case when registry.source_entity = 'profile' then registry.source_key end", few_per_group=true
        ) }}
            as klaviyo_profile_ids,
        {{ identity_string_agg(
            "case when registry.source_entity = 'user' then registry.source_key end", few_per_group=true
        ) }}
            as zendesk_user_ids,
        sum(case when registry.source_entity = 'device' then 1 else 0 end) as storefront_devices_count,
        max(case when registry.source_entity != 'device' then 1 else 0 end) = 0 as is_anonymous,
        min(records.first_seen_at) as first_seen_at,
        max(records.last_seen_at) as last_seen_at

    from registry
    inner join records
        on registry.record_id = records.record_id
    group by registry.customer_id

),

buyer_ids as (

    select
        registry.customer_id,
        {{ identity_string_agg('identifiers.identifier_value', few_per_group=true) }} as amazon_buyer_ids

    from identifiers
    inner join registry
        on identifiers.record_id = registry.record_id
    where identifiers.identifier_type = 'amazon_buyer_email'
    group by registry.customer_id

)

select
    -- ids
    system_ids.customer_id,
    system_ids.shopify_customer_ids,
    system_ids.klaviyo_profile_ids,
    system_ids.zendesk_user_ids,
    buyer_ids.amazon_buyer_ids,

    -- strings
    ranked_names.first_name,
    ranked_names.last_name,
    emails.contact_value as best_email,
    emails.record_id as best_email_record_id,
    phones.contact_value as best_phone,
    phones.record_id as best_phone_record_id,
    system_ids.source_systems,

    -- numerics
    system_ids.records_count,
    system_ids.systems_count,
    system_ids.storefront_devices_count,

    -- booleans
    coalesce(emails.is_shared, false) as is_best_email_shared,
    system_ids.is_anonymous,

    -- timestamps
    system_ids.first_seen_at,
    system_ids.last_seen_at

from system_ids
left join buyer_ids
    on system_ids.customer_id = buyer_ids.customer_id
left join ranked_names
    on
        system_ids.customer_id = ranked_names.customer_id
        and ranked_names.name_order = 1
left join contact_points as emails
    on
        system_ids.customer_id = emails.customer_id
        and emails.identifier_type = 'email'
        and emails.contact_rank = 1
left join contact_points as phones
    on
        system_ids.customer_id = phones.customer_id
        and phones.identifier_type = 'phone'
        and phones.contact_rank = 1
