{#-
    The long cohort table: one row per cohort (first-order month, and the extra `dimension` of
    the first order when given, e.g. its channel, output as `dimension_alias`) and month since
    the first order, from month 0 to the month of as_of, with months without activity filled
    with zeros. Reads customer_orders (`orders_relation`). Shared by cohort_retention and
    cohort_retention_by_channel.
-#}
{% macro value_cohort_retention(orders_relation, dimension=none, dimension_alias=none) %}
    {%- set as_of_month = value_date_trunc('month', as_of_timestamp()) %}
    {%- set order_offset = value_datediff(
        'month', 'first_orders.cohort_month', value_date_trunc('month', 'customer_orders.ordered_at')
    ) %}

    with

    customer_orders as (

        select * from {{ orders_relation }}

    ),

    first_orders as (

        select
            customer_id,
            {{ dimension or "'all'" }} as cohort_dimension,
            {{ value_date_trunc('month', 'ordered_at') }} as cohort_month

        from customer_orders
        where is_first_order

    ),

    cohorts as (

        select
            cohort_month,
            cohort_dimension,
            count(*) as cohort_size

        from first_orders
        group by cohort_month, cohort_dimension

    ),

    month_numbers as (

        select {{ value_number_expression(3) }} as months_since_first_order
        {{ value_number_series(3) }}

    ),

    periods as (

        select
            cohorts.cohort_month,
            cohorts.cohort_dimension,
            cohorts.cohort_size,
            month_numbers.months_since_first_order

        from cohorts
        inner join month_numbers
            on
                month_numbers.months_since_first_order
                <= {{ value_datediff('month', 'cohorts.cohort_month', as_of_month) }}

    ),

    activity as (

        select
            first_orders.cohort_month,
            first_orders.cohort_dimension,
            {{ order_offset }} as months_since_first_order,
            count(distinct customer_orders.customer_id) as active_customers,
            count(*) as orders_count,
            sum(customer_orders.net_revenue) as net_revenue

        from customer_orders
        inner join first_orders
            on customer_orders.customer_id = first_orders.customer_id
        group by first_orders.cohort_month, first_orders.cohort_dimension, {{ order_offset }}

    ),

    filled as (

        select
            periods.cohort_month,
            periods.cohort_dimension,
            periods.months_since_first_order,
            periods.cohort_size,
            coalesce(activity.active_customers, 0) as active_customers,
            coalesce(activity.orders_count, 0) as orders_count,
            coalesce(activity.net_revenue, 0) as net_revenue

        from periods
        left join activity
            on
                periods.cohort_month = activity.cohort_month
                and periods.cohort_dimension = activity.cohort_dimension
                and periods.months_since_first_order = activity.months_since_first_order

    ),

    cumulative as (

        select
            *,
            sum(net_revenue) over (
                partition by cohort_month, cohort_dimension
                order by months_since_first_order
                rows between unbounded preceding and current row
            ) as cumulative_net_revenue

        from filled

    ),

    final as (

        select
            -- dimensions
            cohort_month,
            {% if dimension %}
                cohort_dimension as {{ dimension_alias or dimension }},
            {% endif %}
            months_since_first_order,
            {{ dbt.cast(value_dateadd('month', 'months_since_first_order', 'cohort_month'), 'date') }}
                as activity_month,

            -- numerics
            cohort_size,
            active_customers,
            cast(active_customers as {{ value_type_double() }}) / cohort_size as retention_rate,
            orders_count,
            net_revenue,
            cumulative_net_revenue,
            cast(cumulative_net_revenue as {{ value_type_double() }}) / cohort_size
                as cumulative_revenue_per_customer,

            -- booleans
            {{ value_datediff('month', 'cohort_month', as_of_month) }} = months_since_first_order
                as is_partial_month,

            -- timestamps
            {{ as_of_timestamp() }} as as_of

        from cumulative

    )

    select * from final
{% endmacro %}
