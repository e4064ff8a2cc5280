{#- The identifiers `extractions` read, as one union: a row per (record, identifier type, raw
    value, value) for each `(cte, identifier type, raw value column, value expression)`. The CTE
    names its record (`source_system`, `source_entity`, `source_key`); an e-mail extraction also
    needs `email` (through normalize_email, as staging holds it), and a marketplace relay address
    becomes an `amazon_buyer_email`. -#}
{% macro identity_extractions_sql(extractions) -%}
    {%- for cte, identifier_type, raw_value, value in extractions -%}
        {%- if identifier_type == 'email' -%}
            {%- set is_relay = identity_is_relay_email_of_normalized('email') -%}
            {%- set type_sql = "case when " ~ is_relay ~ " then 'amazon_buyer_email' else 'email' end" -%}
            {%- set value_sql = "case when " ~ is_relay ~ " then email else " ~ value ~ " end" -%}
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

{#- The non-empty values `extractions` read (identity_extractions_sql), one row per (record node,
    identifier type, value, raw value) with the record's business and person flags. Each record
    family's extractions are joined to its records (`records`: int_identity_records) on the key
    alone, the family's system and entity being constants (`family_keys`: family CTE -> (system,
    entity); `record_families`: CTE -> family CTE when it is not one itself): one join per family
    on one text column costs less than one join of every extracted row on three. -#}
{% macro identity_family_values_sql(extractions, record_families, family_keys, records) -%}
    {%- set families = {} -%}
    {%- for extraction in extractions -%}
        {%- set family = record_families.get(extraction[0], extraction[0]) -%}
        {%- do families.update({family: families.get(family, []) + [extraction]}) -%}
    {%- endfor -%}
    {%- for family, family_extractions in families.items() %}
        {% if not loop.first %}union all{% endif %}
        select
            family_records.record_node_id,
            family_values.identifier_type,
            family_values.identifier_value,
            family_values.raw_value,
            family_records.is_business_record,
            family_records.is_person_record
        from ({{ identity_extractions_sql(family_extractions) }}) as family_values
        inner join {{ records }} as family_records
            on
                family_records.source_system = '{{ family_keys[family][0] }}'
                and family_records.source_entity = '{{ family_keys[family][1] }}'
                and family_values.source_key = family_records.source_key
        where
            family_values.identifier_value is not null
            and trim(family_values.identifier_value) != ''
    {%- endfor %}
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

{#- A record family's rows (`relation`, with `full_name`, `email_key` and, for `name_address`,
    `person_name` and `address_key`) with the name keys its extractions read: `first_name_key`
    (identity_first_name_key) and `name_address_key` (identity_name_address_key). Computed here
    once per row: in an extraction, the non-empty filter pushed below it computed each key a
    second time. -#}
{% macro identity_with_name_keys(relation, name_address=true) -%}
    {%- set first_name_key = identity_first_name_key('family.full_name', email_key='family.email_key') -%}
    {%- set keys = [first_name_key ~ ' as first_name_key'] -%}
    {%- if name_address -%}
        {%- do keys.append(identity_name_address_key('family.person_name', 'family.address_key')
            ~ ' as name_address_key') -%}
    {%- endif %}
    select
        family.*,
        {{ keys | join(',\n        ') }}

    from {{ relation }} as family
{%- endmacro %}
