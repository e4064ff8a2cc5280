-- Amazon orders, shipments, returns and seller feedback as vendor events: `order_placed`,
-- `mfn_order_shipped` (merchant-fulfilled orders turning Shipped), `shipment` (one per FBA
-- shipment), `return` (one per returned unit), `feedback`.
with

orders as {{ inline_cte() }} (

    select * from {{ ref('int_orders') }}
    where source_system = 'amazon'

),

shipments as (

    select * from {{ ref('stg_amazon__fba_shipments') }}

),

returns as (

    select * from {{ ref('int_returns') }}
    where source_system = 'amazon'

),

feedback as (

    select * from {{ ref('stg_amazon__feedback') }}

),

shipment_totals as (

    select
        amazon_order_id,
        shipment_id,
        max(sales_channel) as marketplace,
        sum(quantity_shipped) as quantity,
        min(shipped_at) as shipped_at,
        max(loaded_at) as loaded_at

    from shipments
    group by amazon_order_id, shipment_id

),

placed as (

    select
        {{ order_event_columns(
            'order_placed', 'ordered_at',
            revenue='cast(gross_revenue - discount_amount as numeric(18, 2))', currency='currency'
        ) }}

    from orders

),

merchant_shipped as (

    select
        {{ order_event_columns('mfn_order_shipped', 'fulfilled_at') }}

    from orders
    where fulfillment_channel = 'MFN' and fulfilled_at is not null

),

shipped as (

    select
        -- ids
        'amazon' as source_system,
        'fba_shipments' as source_table,
        shipment_id as source_record_key,
        'shipment' as vendor_event_name,
        {{ dbt.concat(["'amazon:'", 'amazon_order_id']) }} as order_key,
        amazon_order_id as order_id,
        cast(null as {{ dbt.type_bigint() }}) as product_id,
        cast(null as {{ dbt.type_string() }}) as checkout_token,
        'amazon' as actor_source_system,
        'order' as actor_entity,
        amazon_order_id as actor_key,

        -- strings
        cast(null as {{ dbt.type_string() }}) as order_channel_source,
        marketplace,
        cast(null as {{ dbt.type_string() }}) as device_type,
        cast(null as {{ dbt.type_string() }}) as currency,
        cast(null as {{ dbt.type_string() }}) as campaign_name,
        cast(null as {{ dbt.type_string() }}) as url,
        cast(null as {{ dbt.type_string() }}) as message_channel,

        -- numerics
        cast(null as numeric(18, 2)) as revenue,
        quantity,
        cast(null as {{ dbt.type_bigint() }}) as rating,

        -- timestamps
        shipped_at as occurred_at,
        loaded_at

    from shipment_totals

),

returned as (

    select
        -- ids
        returns.source_system,
        returns.source_table,
        returns.source_record_key,
        'return' as vendor_event_name,
        returns.order_key,
        returns.actor_key as order_id,
        returns.product_id,
        cast(null as {{ dbt.type_string() }}) as checkout_token,
        returns.actor_source_system,
        returns.actor_entity,
        returns.actor_key,

        -- strings
        cast(null as {{ dbt.type_string() }}) as order_channel_source,
        orders.marketplace,
        cast(null as {{ dbt.type_string() }}) as device_type,
        returns.currency,
        cast(null as {{ dbt.type_string() }}) as campaign_name,
        cast(null as {{ dbt.type_string() }}) as url,
        cast(null as {{ dbt.type_string() }}) as message_channel,

        -- numerics
        cast(-1 * returns.item_refund_amount as numeric(18, 2)) as revenue,
        returns.quantity,
        cast(null as {{ dbt.type_bigint() }}) as rating,

        -- timestamps
        returns.returned_at as occurred_at,
        {{ greatest_timestamp(['returns.loaded_at', 'orders.loaded_at']) }} as loaded_at

    from returns
    left join orders
        on returns.order_key = orders.order_key

),

reviewed as (

    select
        -- ids
        'amazon' as source_system,
        'feedback' as source_table,
        feedback.source_record_key,
        'feedback' as vendor_event_name,
        {{ dbt.concat(["'amazon:'", 'feedback.amazon_order_id']) }} as order_key,
        feedback.amazon_order_id as order_id,
        cast(null as {{ dbt.type_bigint() }}) as product_id,
        cast(null as {{ dbt.type_string() }}) as checkout_token,
        'amazon' as actor_source_system,
        'order' as actor_entity,
        feedback.amazon_order_id as actor_key,

        -- strings
        cast(null as {{ dbt.type_string() }}) as order_channel_source,
        orders.marketplace,
        cast(null as {{ dbt.type_string() }}) as device_type,
        cast(null as {{ dbt.type_string() }}) as currency,
        cast(null as {{ dbt.type_string() }}) as campaign_name,
        cast(null as {{ dbt.type_string() }}) as url,
        cast(null as {{ dbt.type_string() }}) as message_channel,

        -- numerics
        cast(null as numeric(18, 2)) as revenue,
        cast(null as {{ dbt.type_bigint() }}) as quantity,
        feedback.rating,

        -- timestamps
        feedback.rated_at as occurred_at,
        {{ greatest_timestamp(['feedback.loaded_at', 'orders.loaded_at']) }} as loaded_at

    from feedback
    left join orders
        on feedback.amazon_order_id = orders.order_id

),

unioned as (

    select * from placed
    union all
    select * from merchant_shipped
    union all
    select * from shipped
    union all
    select * from returned
    union all
    select * from reviewed

)

select * from unioned
