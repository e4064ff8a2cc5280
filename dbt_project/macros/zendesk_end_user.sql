{#- Whether a Zendesk user is a customer: an end user, or a user whose role the export does not
    give. Agents and admins are the help desk's staff: no identity records, and the tickets they
    request are no customer events. -#}
{% macro zendesk_is_end_user(role_column) -%}
    coalesce({{ role_column }}, 'end-user') = 'end-user'
{%- endmacro %}
