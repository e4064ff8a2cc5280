{{
    config(
        materialized='incremental',
        unique_key='return_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="{{ delete_after_as_of('returned_at') }}",
    )
}}

with

returns_and_refunds as (

    select * from {{ ref('int_returns') }}
    {% if is_incremental() %}
        where {{ incremental_window('returned_at') }}
    {% endif %}

),

final as (

    select
        -- ids
        return_key,
        order_key,
        order_line_key,
        refund_id,
        product_id,
        source_record_key,
        actor_source_system,
        actor_entity,
        actor_key,

        -- strings
        source_system,
        source_table,
        sku,
        currency,
        reason,
        reason_detail,
        disposition,
        return_status,

        -- numerics
        quantity,
        excess_quantity,
        item_refund_amount,
        shipping_refund_amount,
        tax_refund_amount,
        refund_amount,

        -- timestamps
        returned_at,
        loaded_at

    from returns_and_refunds

)

select * from final
