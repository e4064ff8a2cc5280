{#-
    The select list of one vendor event made from an order of `int_orders` (one row per order):
    every event column of the `int_events__*` models, in their order and types. The order's own
    ids, actor, channel, marketplace and item quantity are kept; `occurred_at` and the columns
    passed in are SQL expressions over `int_orders`; the others are typed nulls.
-#}
{% macro order_event_columns(
    vendor_event_name,
    occurred_at,
    revenue=none,
    currency=none,
    device_type=none,
    campaign_name=none,
    url=none
) -%}
    -- ids
    source_system,
    'orders' as source_table,
    order_id as source_record_key,
    '{{ vendor_event_name }}' as vendor_event_name,
    order_key,
    order_id,
    cast(null as {{ dbt.type_bigint() }}) as product_id,
    cast(null as {{ dbt.type_string() }}) as checkout_token,
    actor_source_system,
    actor_entity,
    actor_key,

    -- strings
    channel_source as order_channel_source,
    marketplace,
    {{ device_type or 'cast(null as ' ~ dbt.type_string() ~ ')' }} as device_type,
    {{ currency or 'cast(null as ' ~ dbt.type_string() ~ ')' }} as currency,
    {{ campaign_name or 'cast(null as ' ~ dbt.type_string() ~ ')' }} as campaign_name,
    {{ url or 'cast(null as ' ~ dbt.type_string() ~ ')' }} as url,
    cast(null as {{ dbt.type_string() }}) as message_channel,

    -- numerics
    {{ revenue or 'cast(null as numeric(18, 2))' }} as revenue,
    items_quantity as quantity,
    cast(null as {{ dbt.type_bigint() }}) as rating,

    -- timestamps
    {{ occurred_at }} as occurred_at,
    loaded_at
{%- endmacro %}
