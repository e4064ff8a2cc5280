-- Replenishment reminder: when a customer is expected to reorder a product they bought. The
-- expected interval is the customer's own average gap between purchases of the product, else
-- the product's average gap over every customer who rebought it (when at least
-- `value_replenishment_min_repeat_customers`, 3, did). Each purchase whose expected reorder
-- date passed (on or before as_of) without a new purchase of the product by then triggers once,
-- at that date.

{%- set min_customers = var('value_replenishment_min_repeat_customers', 3) | int %}

with

customer_orders as (

    select * from {{ ref('customer_orders') }}

),

order_lines as (

    select * from {{ ref('fct_order_lines') }}
    where product_id is not null

),

profiles as (

    select * from {{ ref('audience_customer_profiles') }}

),

purchases as (

    select
        customer_orders.customer_id,
        order_lines.product_id,
        customer_orders.order_key,
        min(order_lines.product_title) as product_title,
        sum(order_lines.quantity) as quantity,
        min(customer_orders.ordered_at) as purchased_at

    from customer_orders
    inner join order_lines
        on customer_orders.order_key = order_lines.order_key
    group by customer_orders.customer_id, order_lines.product_id, customer_orders.order_key

),

sequenced as (

    select
        *,
        lead(purchased_at) over (
            partition by customer_id, product_id order by purchased_at, order_key
        ) as next_purchased_at,
        {{ value_datediff(
            'day',
            'lag(purchased_at) over (partition by customer_id, product_id order by purchased_at, order_key)',
            'purchased_at'
        ) }} as days_since_previous_purchase

    from purchases

),

customer_intervals as (

    select
        customer_id,
        product_id,
        avg(cast(days_since_previous_purchase as {{ value_type_double() }})) as interval_days

    from sequenced
    where days_since_previous_purchase > 0
    group by customer_id, product_id

),

product_intervals as (

    select
        product_id,
        avg(interval_days) as interval_days

    from customer_intervals
    group by product_id
    having count(*) >= {{ min_customers }}

),

expected as (

    select
        sequenced.customer_id,
        sequenced.product_id,
        sequenced.product_title,
        sequenced.order_key,
        sequenced.quantity,
        sequenced.purchased_at,
        sequenced.next_purchased_at,
        case when customer_intervals.interval_days is not null then 'customer' else 'product' end
            as interval_basis,
        cast(
            round(coalesce(customer_intervals.interval_days, product_intervals.interval_days), 0)
            as {{ dbt.type_int() }}
        ) as reorder_interval_days

    from sequenced
    left join customer_intervals
        on
            sequenced.customer_id = customer_intervals.customer_id
            and sequenced.product_id = customer_intervals.product_id
    left join product_intervals
        on sequenced.product_id = product_intervals.product_id
    where coalesce(customer_intervals.interval_days, product_intervals.interval_days) >= 1

),

due as (

    select
        *,
        {{ value_dateadd('day', 'reorder_interval_days', 'purchased_at') }} as triggered_at

    from expected

),

final as (

    select
        -- ids
        {{ dbt.hash(dbt.concat([
            "'replenishment|'", 'due.order_key', "'|'", dbt.cast('due.product_id', dbt.type_string())
        ])) }} as trigger_id,
        due.customer_id,
        due.product_id,
        due.order_key as last_order_key,

        -- strings
        'replenishment' as trigger_type,
        due.product_title,
        due.interval_basis,
        profiles.email,
        profiles.phone,
        profiles.first_name,
        profiles.last_name,

        -- numerics
        due.reorder_interval_days,
        due.quantity as last_quantity,

        -- booleans
        profiles.consent_email,
        profiles.consent_sms,
        profiles.consent_ads,
        profiles.is_suppressed,

        -- timestamps
        due.triggered_at,
        due.purchased_at as last_purchased_at

    from due
    inner join profiles
        on due.customer_id = profiles.customer_id
    where
        due.triggered_at <= {{ as_of_timestamp() }}
        and (due.next_purchased_at is null or due.next_purchased_at > due.triggered_at)

)

select * from final
