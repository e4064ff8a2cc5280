{#-
    Date arithmetic of the value marts. `default__` uses dbt's cross-database macros; the
    `duckdb__` versions render the same SQL directly, which also lets sqlfluff's jinja templater
    (which has no `dbt.datediff`) lint the models.
-#}

{#- Whole `datepart` boundaries between two dates or timestamps (end minus start). -#}
{% macro value_datediff(datepart, start_expression, end_expression) -%}
    {{ return(adapter.dispatch('value_datediff', 'customer_warehouse')(
        datepart, start_expression, end_expression
    )) }}
{%- endmacro %}

{% macro default__value_datediff(datepart, start_expression, end_expression) -%}
    {{ dbt.datediff(start_expression, end_expression, datepart) }}
{%- endmacro %}

{% macro duckdb__value_datediff(datepart, start_expression, end_expression) -%}
    date_diff('{{ datepart }}', cast({{ start_expression }} as timestamp), cast({{ end_expression }} as timestamp))
{%- endmacro %}

{#- A date or timestamp plus a whole number (literal or expression) of `datepart`s. -#}
{% macro value_dateadd(datepart, interval, expression) -%}
    {{ return(adapter.dispatch('value_dateadd', 'customer_warehouse')(datepart, interval, expression)) }}
{%- endmacro %}

{% macro default__value_dateadd(datepart, interval, expression) -%}
    {{ dbt.dateadd(datepart, interval, expression) }}
{%- endmacro %}

{% macro duckdb__value_dateadd(datepart, interval, expression) -%}
    ({{ expression }} + cast({{ interval }} as bigint) * interval 1 {{ datepart }})
{%- endmacro %}

{#- The start of the `datepart` (day, week, month, ...) containing the expression, as a date. -#}
{% macro value_date_trunc(datepart, expression) -%}
    {{ return(adapter.dispatch('value_date_trunc', 'customer_warehouse')(datepart, expression)) }}
{%- endmacro %}

{% macro default__value_date_trunc(datepart, expression) -%}
    {{ dbt.cast(dbt.date_trunc(datepart, expression), 'date') }}
{%- endmacro %}

{% macro duckdb__value_date_trunc(datepart, expression) -%}
    cast(date_trunc('{{ datepart }}', {{ expression }}) as date)
{%- endmacro %}

{#- Values of a group joined into one string, in a given order. -#}
{% macro value_listagg(measure, delimiter_text, order_by_clause) -%}
    {{ return(adapter.dispatch('value_listagg', 'customer_warehouse')(
        measure, delimiter_text, order_by_clause
    )) }}
{%- endmacro %}

{% macro default__value_listagg(measure, delimiter_text, order_by_clause) -%}
    {{ dbt.listagg(measure, delimiter_text, order_by_clause) }}
{%- endmacro %}

{% macro duckdb__value_listagg(measure, delimiter_text, order_by_clause) -%}
    string_agg({{ measure }}, {{ delimiter_text }} {{ order_by_clause }})
{%- endmacro %}

{#- A double-precision float type for ratios (DuckDB's `float` is 4-byte single precision). -#}
{% macro value_type_double() -%}
    {{ return(adapter.dispatch('value_type_double', 'customer_warehouse')()) }}
{%- endmacro %}

{% macro default__value_type_double() -%}
    {{ dbt.type_float() }}
{%- endmacro %}

{% macro duckdb__value_type_double() -%}
    double
{%- endmacro %}
