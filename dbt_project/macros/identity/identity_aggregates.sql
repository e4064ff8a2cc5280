{#- `string_agg` of distinct values in order, dispatched (Snowflake and Redshift call it listagg).
    `few_per_group`: each group holds a handful of rows (a profile's records), which lets DuckDB
    take a cheaper path; the result is the same. -#}
{% macro identity_string_agg(expression, delimiter=', ', few_per_group=false) -%}
    {%- set implementation = adapter.dispatch('identity_string_agg', 'customer_warehouse') -%}
    {{ return(implementation(expression, delimiter, few_per_group)) }}
{%- endmacro %}

{% macro default__identity_string_agg(expression, delimiter, few_per_group=false) -%}
    string_agg(distinct {{ expression }}, '{{ delimiter }}' order by {{ expression }})
{%- endmacro %}

{#- DuckDB runs every `string_agg(distinct ... order by ...)` as an aggregation of its own (four
    in int_customer_contacts: 8.6 s at a million customers); over few rows per group, lists sorted
    after one grouping take 5.1 s (over a customer's events, many per group, they are slower:
    8.2 s against 5.4). `count` keeps a group without values null, as string_agg gives it. -#}
{% macro duckdb__identity_string_agg(expression, delimiter, few_per_group=false) -%}
    {%- if not few_per_group -%}
        {{ return(default__identity_string_agg(expression, delimiter)) }}
    {%- endif -%}
    case
        when count({{ expression }}) > 0
            then array_to_string(list_sort(list_distinct(list({{ expression }}))), '{{ delimiter }}')
    end
{%- endmacro %}

{#- The number of distinct non-null values of `expression` in a group with few rows. DuckDB runs
    a `count(distinct ...)` as an aggregation of its own beside the group's other aggregates (in
    int_customer_contacts: 1.8 s of 26 s at a million customers); a list of the group's values,
    deduplicated, is counted in the one grouping. -#}
{% macro identity_count_distinct_few(expression) -%}
    {{ return(adapter.dispatch('identity_count_distinct_few', 'customer_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__identity_count_distinct_few(expression) -%}
    count(distinct {{ expression }})
{%- endmacro %}

{% macro duckdb__identity_count_distinct_few(expression) -%}
    len(list_distinct(list({{ expression }})))
{%- endmacro %}

{% macro snowflake__identity_string_agg(expression, delimiter, few_per_group=false) -%}
    listagg(distinct {{ expression }}, '{{ delimiter }}') within group (order by {{ expression }})
{%- endmacro %}

{% macro redshift__identity_string_agg(expression, delimiter, few_per_group=false) -%}
    listagg(distinct {{ expression }}, '{{ delimiter }}') within group (order by {{ expression }})
{%- endmacro %}

{#- Days from `start` to `end` (may be fractional on some warehouses; whole days here). -#}
{% macro identity_days_between(start, end) -%}
    {{ return(adapter.dispatch('identity_days_between', 'customer_warehouse')(start, end)) }}
{%- endmacro %}

{% macro default__identity_days_between(start, end) -%}
    {{ dbt.datediff(start, end, 'day') }}
{%- endmacro %}

{% macro duckdb__identity_days_between(start, end) -%}
    date_diff('day', {{ start }}, {{ end }})
{%- endmacro %}
