with

source as (

    select * from {{ source('raw_shopify', 'refunds__refund_line_items') }}

),

-- Refund lines carry no currency of their own: it is the refunded order's.
refund_currencies as (

    select
        {{ dbt.cast('refunds.id', dbt.type_bigint()) }} as refund_id,
        max(orders.currency) as currency

    from {{ source('raw_shopify', 'refunds') }} as refunds
    inner join {{ source('raw_shopify', 'orders') }} as orders
        on refunds.order_id = orders.id
    group by refunds.id

),

renamed as (

    select
        -- ids
        {{ dbt.cast('id', dbt.type_bigint()) }} as refund_line_id,
        {{ dbt.cast('refund_id', dbt.type_bigint()) }} as refund_id,
        {{ dbt.cast('line_item_id', dbt.type_bigint()) }} as order_line_id,

        -- strings
        restock_type,

        -- numerics
        {{ dbt.cast('quantity', dbt.type_bigint()) }} as quantity,
        {{ to_decimal('subtotal') }} as refund_amount,

        -- lineage
        'shopify' as source_system,
        {{ dbt.cast('id', dbt.type_string()) }} as source_record_key,
        _cdw_source_file as source_file,
        {{ loaded_at_utc('_cdw_loaded_at') }} as loaded_at

    from source

),

with_currency as (

    select
        renamed.*,
        refund_currencies.currency

    from renamed
    left join refund_currencies
        on renamed.refund_id = refund_currencies.refund_id

)

select
    -- ids
    refund_line_id,
    refund_id,
    order_line_id,

    -- strings
    restock_type,
    currency,

    -- numerics
    quantity,
    refund_amount,

    -- lineage
    source_system,
    source_record_key,
    source_file,
    loaded_at

from with_currency
