{#-
    One slice of audience_segments for one sync: the members of `segment` on `channel`, with
    the contract columns of activation/README.md. Personal columns are only those given in
    `personal_columns` (the destination's match keys and the fields the sync maps): the
    audience governance suite refuses a synced audience holding personal columns no sync uses.
-#}
{% macro value_segment_audience(segment, channel, personal_columns) %}

    with

    audience_segments as (

        select * from {{ ref('audience_segments') }}

    ),

    final as (

        select
            -- ids
            customer_id,

            -- strings
            {{ personal_columns | join(', ') }},
            segment,
            lifecycle_stage,
            customer_status,
            rfm_segment,

            -- numerics
            orders_count,
            ltv,

            -- booleans
            consent_email,
            consent_sms,
            consent_ads,
            is_suppressed,

            -- timestamps
            last_order_at,
            as_of

        from audience_segments
        where
            segment = {{ value_string_literal(segment) }}
            and channel = {{ value_string_literal(channel) }}

    )

    select * from final
{% endmacro %}
