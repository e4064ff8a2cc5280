{#-
    An e-mail address as a join key: trimmed, lowercased; blank or not shaped like
    `local@domain.tld` -> null.
-#}
{% macro normalize_email(column) -%}
    {{ return(adapter.dispatch('normalize_email', 'customer_warehouse')(column)) }}
{%- endmacro %}

{% macro default__normalize_email(column) -%}
    case
        when lower(trim({{ column }})) like '%_@_%._%'
            then lower(trim({{ column }}))
    end
{%- endmacro %}
