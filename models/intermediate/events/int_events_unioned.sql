-- Every vendor event of every system, in one shape, before the mapping to canonical names.
{%- set families = [
    'int_events__shopify_pixel',
    'int_events__shopify_orders',
    'int_events__amazon',
    'int_events__klaviyo',
    'int_events__zendesk',
] -%}
{%- set columns = [
    'source_system', 'source_table', 'source_record_key', 'vendor_event_name', 'order_key', 'order_id',
    'product_id', 'checkout_token', 'actor_source_system', 'actor_entity', 'actor_key',
    'order_channel_source', 'marketplace', 'device_type', 'currency', 'campaign_name', 'url',
    'message_channel', 'revenue', 'quantity', 'rating', 'occurred_at', 'loaded_at',
] %}

with

unioned as (

    {% for family in families %}
        select {{ columns | join(', ') }} from {{ ref(family) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from unioned
