{#-
    Sources that a pipeline step writes (not a loader): the CLV step's scores. Before any model
    runs (on-run-start), each such source that does not exist yet is created empty with the
    columns and data types its yml declares, so a build on a new warehouse, or a hand-run
    `dbt build`, never fails on it. Marked by `meta: {create_if_missing: true}` on the source.
-#}
{% macro create_missing_sources() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set statements = [] -%}
    {%- for node in graph.sources.values() if node.source_meta.get('create_if_missing') -%}
        {%- set existing = adapter.get_relation(database=node.database, schema=node.schema,
                                                identifier=node.identifier) -%}
        {%- if existing is none -%}
            {%- set columns = [] -%}
            {%- for column in node.columns.values() -%}
                {%- do columns.append(adapter.quote(column.name) ~ ' ' ~ column.data_type) -%}
            {%- endfor -%}
            {%- set create = adapter.dispatch('create_empty_source', 'customer_warehouse') -%}
            {%- do statements.append(create(node, columns)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements | join(';\n')) }}
{%- endmacro %}

{% macro default__create_empty_source(node, columns) -%}
    create schema if not exists {{ node.schema }};
    create table if not exists {{ node.schema }}.{{ node.identifier }} ({{ columns | join(', ') }})
{%- endmacro %}
