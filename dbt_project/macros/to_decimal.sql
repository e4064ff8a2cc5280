{#-
    Decimal text as the vendor sends it (`"19.99"`) -> numeric(18, 2) (or the precision and
    scale given). Blank or unparseable -> null (where the warehouse has a safe cast).
-#}
{% macro to_decimal(column, precision=18, scale=2) -%}
    {{ return(adapter.dispatch('to_decimal', 'customer_warehouse')(column, precision, scale)) }}
{%- endmacro %}

{% macro default__to_decimal(column, precision, scale) -%}
    {{ dbt.safe_cast(
        'nullif(trim(' ~ dbt.cast(column, dbt.type_string()) ~ "), '')",
        'numeric(' ~ precision ~ ', ' ~ scale ~ ')'
    ) }}
{%- endmacro %}

{% macro duckdb__to_decimal(column, precision, scale) -%}
    try_cast(nullif(trim(cast({{ column }} as varchar)), '') as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}
