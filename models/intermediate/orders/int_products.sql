-- The store catalogue, one row per variant (SKU), with its product's attributes.
with

products as (

    select * from {{ ref('stg_shopify__products') }}
    where created_at is null or created_at <= {{ as_of_timestamp() }}

),

variants as (

    select * from {{ ref('stg_shopify__product_variants') }}

),

joined as (

    select
        -- ids
        variants.variant_id,
        variants.product_id,

        -- strings
        variants.sku,
        products.product_title,
        variants.variant_title,
        products.product_type as product_category,
        products.product_vendor,
        products.product_status,
        products.tags,
        variants.currency,

        -- numerics
        variants.unit_price,
        variants.unit_cost,

        -- timestamps
        products.created_at,
        products.updated_at,
        {{ greatest_timestamp(['variants.loaded_at', 'products.loaded_at']) }} as loaded_at

    from variants
    inner join products
        on variants.product_id = products.product_id

)

select * from joined
