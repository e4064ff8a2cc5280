-- Return rate and top return reasons by product, as of as_of: one row per product and return
-- reason (ranked by units, 1 = top), with the product's units sold and returned and its return
-- rate on every row; a product sold but never returned has one row without a reason.

with

order_lines as (

    select * from {{ ref('fct_order_lines') }}
    where
        ordered_at <= {{ as_of_timestamp() }}
        and not coalesce(is_cancelled, false)
        and product_id is not null

),

returns as (

    select * from {{ ref('fct_returns') }}
    where
        returned_at <= {{ as_of_timestamp() }}
        and product_id is not null

),

products as (

    select
        product_id,
        min(title) as product_title,
        min(category) as product_category

    from {{ ref('dim_products') }}
    group by product_id

),

sold as (

    select
        product_id,
        sum(quantity) as units_sold

    from order_lines
    group by product_id

),

returned as (

    select
        product_id,
        coalesce(nullif(trim(reason), ''), '(no reason given)') as return_reason,
        sum(quantity) as reason_units,
        count(*) as reason_returns

    from returns
    group by product_id, coalesce(nullif(trim(reason), ''), '(no reason given)')

),

product_totals as (

    select
        coalesce(sold.product_id, returned.product_id) as product_id,
        max(coalesce(sold.units_sold, 0)) as units_sold,
        sum(coalesce(returned.reason_units, 0)) as units_returned

    from sold
    full outer join returned
        on sold.product_id = returned.product_id
    group by coalesce(sold.product_id, returned.product_id)

),

final as (

    select
        -- ids
        product_totals.product_id,

        -- strings
        products.product_title,
        products.product_category,
        returned.return_reason,

        -- numerics
        product_totals.units_sold,
        product_totals.units_returned,
        case
            when product_totals.units_sold > 0
                then
                    cast(product_totals.units_returned as {{ value_type_double() }})
                    / product_totals.units_sold
        end as return_rate,
        returned.reason_units,
        returned.reason_returns,
        case
            when product_totals.units_returned > 0
                then cast(returned.reason_units as {{ value_type_double() }}) / product_totals.units_returned
        end as reason_share,
        case
            when returned.return_reason is not null
                then row_number() over (
                    partition by product_totals.product_id
                    order by returned.reason_units desc, returned.return_reason asc
                )
        end as reason_rank,

        -- timestamps
        {{ as_of_timestamp() }} as as_of

    from product_totals
    left join returned
        on product_totals.product_id = returned.product_id
    left join products
        on product_totals.product_id = products.product_id

)

select * from final
