{#-
    The loader's own timestamp (`_cdw_loaded_at`: when a row landed, an instant with a time zone
    on every raw table) -> a timestamp without time zone, in UTC, without going through text:
    parse_timestamp on it rendered every row as text and parsed it back (tens of millions of
    rows per read of the event tables at a million customers).
-#}
{% macro loaded_at_utc(column) -%}
    {{ return(adapter.dispatch('loaded_at_utc', 'customer_warehouse')(column)) }}
{%- endmacro %}

{% macro default__loaded_at_utc(column) -%}
    {{ dbt.cast(column, dbt.type_timestamp()) }}
{%- endmacro %}

{#- The cast to an instant is a no-op on the loader's column; `timezone` then reads it in UTC
    whatever the session's time zone. -#}
{% macro duckdb__loaded_at_utc(column) -%}
    timezone('UTC', cast({{ column }} as timestamptz))
{%- endmacro %}

{% macro postgres__loaded_at_utc(column) -%}
    (cast({{ column }} as timestamptz) at time zone 'UTC')
{%- endmacro %}

{% macro snowflake__loaded_at_utc(column) -%}
    cast(convert_timezone('UTC', cast({{ column }} as timestamp_tz)) as timestamp_ntz)
{%- endmacro %}
