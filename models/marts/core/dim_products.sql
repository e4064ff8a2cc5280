with

products as (

    select * from {{ ref('int_products') }}

),

amazon_order_items as (

    select * from {{ ref('stg_amazon__order_items') }}

),

amazon_returns as (

    select * from {{ ref('stg_amazon__returns') }}

),

-- The ASIN Amazon lists each SKU under, as seen on orders and returns.
amazon_listings as (

    select
        sku,
        asin
    from amazon_order_items
    union all
    select
        sku,
        asin
    from amazon_returns

),

asins as (

    select
        sku,
        max(asin) as asin

    from amazon_listings
    where sku is not null and asin is not null
    group by sku

),

final as (

    select
        -- ids
        products.product_id,
        products.variant_id,
        products.sku,
        asins.asin,

        -- strings
        products.product_title as title,
        products.variant_title,
        products.product_category as category,
        products.product_vendor as vendor,
        products.product_status as status,
        products.tags,
        products.currency,

        -- numerics
        products.unit_price as price,
        products.unit_cost,

        -- timestamps
        products.created_at,
        products.updated_at

    from products
    left join asins
        on products.sku = asins.sku

)

select * from final
