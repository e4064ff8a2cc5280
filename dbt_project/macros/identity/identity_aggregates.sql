{#- `string_agg` of distinct values in order, dispatched (Snowflake and Redshift call it listagg). -#}
{% macro identity_string_agg(expression, delimiter=', ') -%}
    {{ return(adapter.dispatch('identity_string_agg', 'customer_warehouse')(expression, delimiter)) }}
{%- endmacro %}

{% macro default__identity_string_agg(expression, delimiter) -%}
    string_agg(distinct {{ expression }}, '{{ delimiter }}' order by {{ expression }})
{%- endmacro %}

{% macro snowflake__identity_string_agg(expression, delimiter) -%}
    listagg(distinct {{ expression }}, '{{ delimiter }}') within group (order by {{ expression }})
{%- endmacro %}

{% macro redshift__identity_string_agg(expression, delimiter) -%}
    listagg(distinct {{ expression }}, '{{ delimiter }}') within group (order by {{ expression }})
{%- endmacro %}

{#- Days from `start` to `end` (may be fractional on some warehouses; whole days here). -#}
{% macro identity_days_between(start, end) -%}
    {{ return(adapter.dispatch('identity_days_between', 'customer_warehouse')(start, end)) }}
{%- endmacro %}

{% macro default__identity_days_between(start, end) -%}
    {{ dbt.datediff(start, end, 'day') }}
{%- endmacro %}

{% macro duckdb__identity_days_between(start, end) -%}
    date_diff('day', {{ start }}, {{ end }})
{%- endmacro %}
