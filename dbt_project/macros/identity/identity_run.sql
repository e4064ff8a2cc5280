{#-
    Bookkeeping of identity runs: when a customer id was issued or moved is the time of the dbt
    invocation that did it (`run_started_at`, UTC), not the business reference time `as_of`
    (which only reads data as of a date and may lie in the past).
-#}
{% macro identity_run_timestamp() -%}
    {%- if run_started_at is defined -%}
        {%- set stamp = run_started_at.strftime('%Y-%m-%d %H:%M:%S') -%}
    {%- else -%}
        {%- set stamp = '2000-01-01 00:00:00' -%}
    {%- endif -%}
    {{ dbt.cast(dbt.string_literal(stamp), dbt.type_timestamp()) }}
{%- endmacro %}

{#- The dbt invocation id as a SQL string literal. -#}
{% macro identity_invocation_id() -%}
    {{ dbt.string_literal(invocation_id if invocation_id is defined else 'invocation') }}
{%- endmacro %}
