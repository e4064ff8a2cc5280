{#-
    ISO 8601 text (`2024-03-01T09:30:00-05:00`, `…Z`, `….123+00:00`, `2024-03-01`) -> a
    timestamp without time zone, in UTC. Text without an offset is taken to be UTC already.
    Null, blank or unparseable text -> null (where the warehouse has a safe cast).
-#}
{% macro parse_timestamp(column) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'customer_warehouse')(column)) }}
{%- endmacro %}

{% macro default__parse_timestamp(column) -%}
    {{ dbt.safe_cast(dbt.cast(column, dbt.type_string()), dbt.type_timestamp()) }}
{%- endmacro %}

{% macro duckdb__parse_timestamp(column) -%}
    {#- Text in UTC already (`Z`, `+00:00`: what vendor APIs mostly send) or without an offset
        casts straight to a timestamp; only other offsets take the slower time-zone cast, which
        is also the one that honours them. The regex test is skipped for the common case: at a
        million customers this macro runs on tens of millions of event times per read. -#}
    {%- set text = 'trim(cast(' ~ column ~ ' as varchar))' -%}
    case
        when suffix({{ text }}, 'Z') or suffix({{ text }}, '+00:00') then try_cast({{ text }} as timestamp)
        when suffix({{ text }}, 'z') then try_cast(rtrim({{ text }}, 'z') as timestamp)
        when regexp_matches({{ text }}, '\d:\d{2}(:\d{2}(\.\d+)?)?\s*([zZ]|[+-]\d{2}(:?\d{2})?)$')
            then timezone('UTC', try_cast({{ text }} as timestamptz))
        else try_cast({{ text }} as timestamp)
    end
{%- endmacro %}

{% macro postgres__parse_timestamp(column) -%}
    (cast(nullif(trim(cast({{ column }} as text)), '') as timestamptz) at time zone 'UTC')
{%- endmacro %}

{% macro snowflake__parse_timestamp(column) -%}
    cast(convert_timezone('UTC', try_to_timestamp_tz(cast({{ column }} as varchar))) as timestamp_ntz)
{%- endmacro %}
