{#-
    Configuration helpers of the value marts: list- and mapping-valued project vars, read the
    same way by dbt (which passes YAML lists and mappings) and by sqlfluff's jinja templater
    (whose `var()` stand-in renders them as text).
-#}

{#- A list var (or list) as a list. -#}
{% macro value_as_list(value) -%}
    {%- if value is string -%}
        {{ return(fromjson(value | replace("'", '"'), [])) }}
    {%- elif value is none -%}
        {{ return([]) }}
    {%- else -%}
        {{ return(value | list) }}
    {%- endif -%}
{%- endmacro %}

{#- A mapping var (or mapping) as a mapping. -#}
{% macro value_as_mapping(value) -%}
    {%- if value is string -%}
        {{ return(fromjson(value | replace("'", '"') | replace('True', 'true') | replace('False', 'false'), {})) }}
    {%- elif value is none -%}
        {{ return({}) }}
    {%- else -%}
        {{ return(value) }}
    {%- endif -%}
{%- endmacro %}

{#- `('a', 'b')`: the values of a list var as an SQL list of string literals (never empty). -#}
{% macro value_in_list(var_name, default=none) -%}
    {%- set values = value_as_list(var(var_name, default)) -%}
    {%- if values | length == 0 -%}
        (null)
    {%- else -%}
        ({%- for value in values -%}{{ value_string_literal(value) }}{{ ', ' if not loop.last }}{%- endfor -%})
    {%- endif -%}
{%- endmacro %}

{#- An amount in the reporting currency: the order currency's rate from `value_fx_rates`
    (a null currency is the reporting currency; an unknown one gives null). -#}
{% macro value_reporting_amount(amount, currency) -%}
    {%- set rates = value_as_mapping(var('value_fx_rates', {})) -%}
    {%- set reporting = value_string_literal(var('shop_currency', 'USD')) -%}
    {%- set whens = [] -%}
    {%- for code, rate in rates.items() -%}
        {%- do whens.append('when ' ~ value_string_literal(code) ~ ' then ' ~ rate) -%}
    {%- endfor -%}
    round(
        cast({{ amount }} as {{ dbt.type_numeric() }})
        * case coalesce({{ currency }}, {{ reporting }}) {{ whens | join(' ') }} end,
        2
    )
{%- endmacro %}

{#- A string literal with its quotes escaped (dbt.string_literal does not escape). -#}
{% macro value_string_literal(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}

{#- The highest tier of `tiers` ({name: threshold}) that `amount` reaches: its name, or its
    rank (1 = lowest tier, 0 = none) when `output` is 'rank'. -#}
{% macro value_tier_case(amount, tiers, output='name') -%}
    {%- set ordered = value_as_mapping(tiers) | dictsort(by='value', reverse=true) -%}
    {%- set whens = [] -%}
    {%- for tier, threshold in ordered -%}
        {%- set rank = ordered | length - loop.index0 -%}
        {%- set result = value_string_literal(tier) if output == 'name' else rank -%}
        {%- do whens.append('when ' ~ amount ~ ' >= ' ~ threshold ~ ' then ' ~ result) -%}
    {%- endfor -%}
    case {{ whens | join(' ') }} {{ 'else 0' if output != 'name' }} end
{%- endmacro %}
