{#- The identifiers `extractions` read, as one union: a row per (record, identifier type, raw
    value, value) for each `(cte, identifier type, raw value column, value expression)`. The CTE
    names its record (`source_system`, `source_entity`, `source_key`); an e-mail extraction also
    needs `email_normalized`, and a marketplace relay address becomes an `amazon_buyer_email`. -#}
{% macro identity_extractions_sql(extractions) -%}
    {%- for cte, identifier_type, raw_value, value in extractions -%}
        {%- if identifier_type == 'email' -%}
            {%- set is_relay = identity_is_relay_email_of_normalized('email_normalized') -%}
            {%- set type_sql = "case when " ~ is_relay ~ " then 'amazon_buyer_email' else 'email' end" -%}
            {%- set value_sql = "case when " ~ is_relay ~ " then email_normalized else " ~ value ~ " end" -%}
        {%- else -%}
            {%- set type_sql = "'" ~ identifier_type ~ "'" -%}
            {%- set value_sql = "cast(" ~ value ~ " as " ~ dbt.type_string() ~ ")" -%}
        {%- endif %}
        {% if not loop.first %}union all{% endif %}
        select
            source_system,
            source_entity,
            source_key,
            {{ type_sql }} as identifier_type,
            cast({{ raw_value }} as {{ dbt.type_string() }}) as raw_value,
            {{ value_sql }} as identifier_value
        from {{ cte }}
    {% endfor %}
{%- endmacro %}

{#- The scope a record's value matches in: `any` for types not business-scoped (seed column
    is_business_scoped), else `business` or `personal` by the record (the one rule that keeps
    business and personal profiles apart). -#}
{% macro identity_match_scope(is_business_scoped, is_business_record) -%}
    case
        when not {{ is_business_scoped }} then 'any'
        when {{ is_business_record }} then 'business'
        else 'personal'
    end
{%- endmacro %}

{#- The blocklisted (type, value) pairs of int_identity_identifier_rules (a handful, whatever the
    data size): models leave them out with an anti-join instead of joining every identifier to
    all ruled values. -#}
{% macro identity_blocked_values_sql(value_rules) -%}
    select distinct
        identifier_type,
        identifier_value

    from {{ value_rules }}
    where is_blocked
{%- endmacro %}
