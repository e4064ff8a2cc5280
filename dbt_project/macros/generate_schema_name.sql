{#-
    Layers land in schemas named after them (`staging`, `intermediate`, `marts`, `seeds`)
    rather than dbt's default `<target schema>_<custom schema>`: analysts and the serving copy
    read `marts.dim_customers`, not `main_marts.dim_customers`.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
