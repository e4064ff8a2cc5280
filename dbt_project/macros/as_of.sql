{#-
    The one reference point in time for time-dependent logic (recency, lifecycle, CLV): the
    var `as_of` (UTC) when given, otherwise the current time. A bare date means the end of that
    day, inclusive (23:59:59.999999), the same rule as core/as_of.py, so an order placed on the
    as-of day counts. The pipeline always passes the resolved moment; the rule here serves anyone
    who runs `dbt build --vars '{as_of: 2025-06-30}'` by hand.
-#}
{% macro as_of_timestamp() -%}
    {%- set as_of = var('as_of', none) -%}
    {%- set text = (as_of | string | trim) if as_of is not none else '' -%}
    {%- if text in ('', 'none', 'None', 'null', 'now') -%}
        {{ dbt.cast(dbt.current_timestamp(), dbt.type_timestamp()) }}
    {%- else -%}
        {%- if modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
            {%- set text = text ~ ' 23:59:59.999999' -%}
        {%- endif -%}
        {{ dbt.cast(dbt.string_literal(text), dbt.type_timestamp()) }}
    {%- endif -%}
{%- endmacro %}
