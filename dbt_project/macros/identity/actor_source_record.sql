{#- How a fact finds its customer: see _identity_macros.yml. -#}
{% macro actor_is_source_record(fact, source_map='source_map') -%}
    {{ fact }}.actor_source_system = {{ source_map }}.source_system
    and {{ fact }}.actor_entity = {{ source_map }}.source_entity
    and {{ fact }}.actor_key = {{ source_map }}.source_key
{%- endmacro %}
