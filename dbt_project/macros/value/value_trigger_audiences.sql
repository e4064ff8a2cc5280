{#-
    A trigger table (`trigger_relation`, one row per trigger event) as a sendable trigger
    audience on `channel`: only events of customers who hold that channel's consent, are not
    suppressed and have its identifier; the contract columns with only the personal columns
    given, and the trigger's `properties`.
-#}
{% macro value_trigger_audience(trigger_relation, channel, personal_columns, properties) %}

    with

    triggers as (

        select * from {{ trigger_relation }}

    ),

    final as (

        select
            -- ids
            trigger_id,
            customer_id,

            -- strings
            trigger_type,
            {{ personal_columns | join(', ') }},

            -- properties
            {{ properties | join(', ') }},

            -- booleans
            consent_email,
            consent_sms,
            consent_ads,
            is_suppressed,

            -- timestamps
            triggered_at

        from triggers
        where
            consent_{{ channel }}
            and not coalesce(is_suppressed, false)
            and {{ {'email': 'email', 'sms': 'phone'}.get(channel, 'coalesce(email, phone)') }} is not null

    )

    select * from final
{% endmacro %}
