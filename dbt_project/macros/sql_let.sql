{#-
    Name intermediate values of one SQL expression, so a long computation reads as steps and each
    step is written (and, where the warehouse can, evaluated) once.

    `steps` is a list of `(name, expression)` pairs; each expression may use the names before it,
    and `result` may use them all. Names must be distinct identifiers.
    DuckDB binds each value once with a lambda; elsewhere a scalar subquery binds it (an aggregate
    over one row, as Snowflake and Spark require of correlated scalar subqueries). `portable=true`
    uses the subquery on DuckDB too, so tests can run the form other warehouses get.
-#}
{% macro sql_lets(steps, result, portable=false) -%}
    {%- if portable -%}
        {%- set bind = default__sql_let -%}
    {%- else -%}
        {%- set bind = adapter.dispatch('sql_let', 'customer_warehouse') -%}
    {%- endif -%}
    {%- set sql = namespace(text=result) -%}
    {%- for name, expression in steps | reverse -%}
        {%- set sql.text = bind(name, expression, sql.text) -%}
    {%- endfor -%}
    {{ return(sql.text) }}
{%- endmacro %}

{% macro default__sql_let(name, expression, body) -%}
    {%- set binding = '(select ' ~ expression ~ ' as ' ~ name ~ ') as ' ~ name ~ '_let' -%}
    {{ return('(select max(' ~ body ~ ') from ' ~ binding ~ ')') }}
{%- endmacro %}

{% macro duckdb__sql_let(name, expression, body) -%}
    {{ return('list_transform([' ~ expression ~ '], lambda ' ~ name ~ ': ' ~ body ~ ')[1]') }}
{%- endmacro %}
