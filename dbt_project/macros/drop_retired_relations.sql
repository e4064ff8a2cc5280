{#-
    Drop the tables of models this project no longer has (var `retired_relations`: `schema.name`).
    dbt leaves a removed model's table in the warehouse as it was last built; where it held
    personal values (an identity table's identifier values), a stale copy must not outlive the
    model, nor be missed by a later erasure or a rebuild.
-#}
{% macro drop_retired_relations() -%}
    {%- if execute -%}
        {%- for retired in var('retired_relations', []) -%}
            {%- set schema, name = retired.split('.') -%}
            {%- set relation = adapter.get_relation(
                database=target.database, schema=generate_schema_name(schema, none) | trim, identifier=name) -%}
            {%- if relation is not none -%}
                {%- do log('dropping ' ~ relation ~ ': its model was retired', info=true) -%}
                {%- do adapter.drop_relation(relation) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
