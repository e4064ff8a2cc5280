{#-
    The one reference point in time for time-dependent logic (recency, lifecycle, CLV): the
    var `as_of` (ISO date or timestamp, UTC) when given, otherwise the current time.
    Results are then reproducible and back-testable: `dbt build --vars '{as_of: 2025-06-30}'`.
-#}
{% macro as_of_timestamp() -%}
    {%- set as_of = var('as_of', none) -%}
    {%- if as_of is none or (as_of | string | trim) in ('', 'none', 'null', 'now') -%}
        {{ dbt.cast(dbt.current_timestamp(), dbt.type_timestamp()) }}
    {%- else -%}
        {{ dbt.cast(dbt.string_literal(as_of | string), dbt.type_timestamp()) }}
    {%- endif -%}
{%- endmacro %}
