{#- `not materialized` where the engine takes the hint (DuckDB): a CTE that only reads a table
    and is referenced more than once is read again by each reference, with that reference's
    columns and filters pushed into the scan, instead of being copied into memory first (DuckDB
    materialises a CTE referenced twice: a 32.6M-row identifier table copied that way made the
    identity rules spill under their memory limit). Empty elsewhere. -#}
{% macro inline_cte() -%}
    {{ return(adapter.dispatch('inline_cte', 'customer_warehouse')()) }}
{%- endmacro %}

{% macro default__inline_cte() -%}{%- endmacro %}

{% macro duckdb__inline_cte() -%}not materialized{%- endmacro %}
