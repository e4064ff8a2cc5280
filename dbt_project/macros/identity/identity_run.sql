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

{#- The scored pairs the Python step identity.suggest.suggest writes to
    `identity_suggestions.match_pairs` (in the build warehouse's database), or an empty table of the
    same columns until the step has run once (a fresh warehouse has no such table). Read as a
    relation, not a dbt source: the table is the step's output, and a source would need an asset
    (and owner) of its own in Dagster; the step's owner is the customer identity owner. -#}
{% macro identity_suggested_pairs() -%}
    {%- set found = adapter.get_relation(
        database=target.database, schema='identity_suggestions', identifier='match_pairs') if execute else none -%}
    {%- set relation = found -%}
    {%- if found is not none -%}
        (
            select
                record_id_l,
                record_id_r,
                match_weight,
                match_probability,
                comparison_vector,
                is_auto_merge,
                scored_at
            from {{ relation }}
        )
    {%- else -%}
        (
            select
                cast(null as {{ dbt.type_string() }}) as record_id_l,
                cast(null as {{ dbt.type_string() }}) as record_id_r,
                cast(null as {{ dbt.type_float() }}) as match_weight,
                cast(null as {{ dbt.type_float() }}) as match_probability,
                cast(null as {{ dbt.type_string() }}) as comparison_vector,
                cast(null as {{ dbt.type_boolean() }}) as is_auto_merge,
                cast(null as {{ dbt.type_timestamp() }}) as scored_at
            where 1 = 0
        )
    {%- endif -%}
{%- endmacro %}

{#- `materialized` where the engine takes the hint (DuckDB): a CTE that several branches of a
    union read is computed once instead of once per reference. Empty elsewhere. -#}
{% macro identity_cte_hint() -%}
    {{ return(adapter.dispatch('identity_cte_hint', 'customer_warehouse')()) }}
{%- endmacro %}

{% macro default__identity_cte_hint() -%}{%- endmacro %}

{% macro duckdb__identity_cte_hint() -%}materialized{%- endmacro %}
