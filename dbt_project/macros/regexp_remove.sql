{#-
    Remove every match of a regular expression from a string. Replace-all is the default of
    `regexp_replace` on Snowflake, BigQuery and Spark; DuckDB and Postgres need the 'g' flag.
-#}
{% macro regexp_remove(expression, pattern) -%}
    {{ return(adapter.dispatch('regexp_remove', 'customer_warehouse')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regexp_remove(expression, pattern) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '')
{%- endmacro %}

{% macro duckdb__regexp_remove(expression, pattern) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '', 'g')
{%- endmacro %}

{% macro postgres__regexp_remove(expression, pattern) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '', 'g')
{%- endmacro %}
