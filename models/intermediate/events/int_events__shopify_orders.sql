-- Store orders, fulfilments and refunds as vendor events (`order_placed`, `order_fulfilled`,
-- `refund_created`). Their channel is the order's (UTM parameters at creation).
with

orders as {{ inline_cte() }} (

    select * from {{ ref('int_orders') }}
    where source_system = 'shopify'

),

refunds as (

    select * from {{ ref('stg_shopify__refunds') }}
    where created_at <= {{ as_of_timestamp() }}

),

returns as (

    select * from {{ ref('int_returns') }}
    where source_system = 'shopify'

),

refund_totals as (

    select
        refund_id,
        sum(quantity) as quantity,
        sum(item_refund_amount) as refund_amount,
        max(currency) as currency,
        max(loaded_at) as loaded_at

    from returns
    group by refund_id

),

placed as (

    select
        {{ order_event_columns(
            'order_placed', 'ordered_at',
            revenue='cast(gross_revenue - discount_amount as numeric(18, 2))', currency='currency',
            device_type='device_type', campaign_name='utm_campaign', url='landing_site'
        ) }}

    from orders

),

fulfilled as (

    select
        {{ order_event_columns('order_fulfilled', 'fulfilled_at') }}

    from orders
    where fulfilled_at is not null

),

refunded as (

    select
        -- ids
        'shopify' as source_system,
        'refunds' as source_table,
        refunds.source_record_key,
        'refund_created' as vendor_event_name,
        {{ dbt.concat(["'shopify:'", dbt.cast('refunds.order_id', dbt.type_string())]) }} as order_key,
        {{ dbt.cast('refunds.order_id', dbt.type_string()) }} as order_id,
        cast(null as {{ dbt.type_bigint() }}) as product_id,
        cast(null as {{ dbt.type_string() }}) as checkout_token,
        'shopify' as actor_source_system,
        'order' as actor_entity,
        {{ dbt.cast('refunds.order_id', dbt.type_string()) }} as actor_key,

        -- strings
        orders.channel_source as order_channel_source,
        cast(null as {{ dbt.type_string() }}) as marketplace,
        cast(null as {{ dbt.type_string() }}) as device_type,
        coalesce(refund_totals.currency, orders.currency) as currency,
        cast(null as {{ dbt.type_string() }}) as campaign_name,
        cast(null as {{ dbt.type_string() }}) as url,
        cast(null as {{ dbt.type_string() }}) as message_channel,

        -- numerics
        cast(-1 * coalesce(refund_totals.refund_amount, 0) as numeric(18, 2)) as revenue,
        refund_totals.quantity,
        cast(null as {{ dbt.type_bigint() }}) as rating,

        -- timestamps
        refunds.created_at as occurred_at,
        {{ greatest_timestamp(['refunds.loaded_at', 'refund_totals.loaded_at', 'orders.loaded_at']) }}
            as loaded_at

    from refunds
    left join refund_totals
        on {{ dbt.cast('refunds.refund_id', dbt.type_string()) }} = refund_totals.refund_id
    left join orders
        on {{ dbt.cast('refunds.order_id', dbt.type_string()) }} = orders.order_id

),

unioned as (

    select * from placed
    union all
    select * from fulfilled
    union all
    select * from refunded

)

select * from unioned
