{#-
    Helpers of the incremental facts (`fct_events`, `fct_orders`, `fct_order_lines`,
    `fct_returns`). A row is (re)built when

    - its time is inside the lookback window: on or after the latest time already in the table
      (capped at `as_of`), minus `incremental_lookback_days`; or
    - any record behind it was loaded after the latest load time already in the table (late
      data: a refund of an old order, an order line that came a day after its order).

    Rows after `as_of` are deleted before the build (`delete_after_as_of`, a pre-hook), so a
    run with an earlier `as_of` reproduces the earlier state without a full refresh. An empty
    table rebuilds everything.
-#}
{% macro incremental_window(source_time_column, target_time_column=none, loaded_column='loaded_at') -%}
    {%- set target_time_column = target_time_column or source_time_column -%}
    {%- set watermark = 'least(coalesce(max(' ~ target_time_column ~ '), ' ~ earliest_timestamp() ~ '), '
        ~ as_of_timestamp() ~ ')' -%}
    (
        {{ source_time_column }} >= (
            select {{ dbt.dateadd('day', -1 * (var('incremental_lookback_days', 3) | int), watermark) }}
            from {{ this }}
        )
        or {{ loaded_column }} > (
            select coalesce(max({{ loaded_column }}), {{ earliest_timestamp() }})
            from {{ this }}
        )
    )
{%- endmacro %}

{% macro delete_after_as_of(time_column) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ time_column }} > {{ as_of_timestamp() }}
    {%- endif -%}
{%- endmacro %}

{#- A timestamp before any data, for "nothing yet" in comparisons. -#}
{% macro earliest_timestamp() -%}
    {{ dbt.cast("'1900-01-01 00:00:00'", dbt.type_timestamp()) }}
{%- endmacro %}

{#- The latest of several timestamps, ignoring nulls on every warehouse (`greatest` returns null
    on Snowflake and BigQuery when any argument is null). -#}
{% macro greatest_timestamp(columns) -%}
    {%- set arguments = [] -%}
    {%- for column in columns -%}
        {%- do arguments.append('coalesce(' ~ column ~ ', ' ~ earliest_timestamp() ~ ')') -%}
    {%- endfor -%}
    greatest({{ arguments | join(', ') }})
{%- endmacro %}
