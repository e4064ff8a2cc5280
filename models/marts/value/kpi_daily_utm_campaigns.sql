-- Revenue by UTM campaign per day (for dashboards): orders of stitched customers grouped by
-- order date and the UTM source, medium and campaign captured when the order was created;
-- orders without a campaign are grouped under `(none)`. Money in the reporting currency.

with

customer_orders as (

    select * from {{ ref('customer_orders') }}

),

final as (

    select
        -- dimensions
        order_date as kpi_date,
        coalesce(utm_source, '(none)') as utm_source,
        coalesce(utm_medium, '(none)') as utm_medium,
        coalesce(utm_campaign, '(none)') as utm_campaign,

        -- numerics
        count(*) as orders_count,
        count(distinct customer_id) as ordering_customers,
        sum(case when is_first_order then 1 else 0 end) as new_customers,
        sum(gross_revenue) as gross_revenue,
        sum(net_revenue) as net_revenue

    from customer_orders
    group by
        order_date,
        coalesce(utm_source, '(none)'),
        coalesce(utm_medium, '(none)'),
        coalesce(utm_campaign, '(none)')

)

select * from final
