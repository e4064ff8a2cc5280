{#-
    The integers 0 .. 10^digits - 1 as a `from` clause of digit tables (digits_0, digits_1, ...; value_number_expression sums them), from cross joins of
    ten digits: portable SQL (no generate_series), bounded at compile time.
-#}
{% macro value_number_series(digits=3) -%}
    {%- for position in range(digits) %}
        {{ 'cross join' if not loop.first else 'from' }} (
            select 0 as digit union all select 1 union all select 2 union all select 3 union all select 4
            union all select 5 union all select 6 union all select 7 union all select 8 union all select 9
        ) as digits_{{ position }}
    {%- endfor %}
{%- endmacro %}

{% macro value_number_expression(digits=3) -%}
    {%- for position in range(digits) -%}
        digits_{{ position }}.digit * {{ 10 ** position }}{{ ' + ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
