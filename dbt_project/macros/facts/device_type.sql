{#-
    The kind of device behind a browser user agent: `tablet`, `mobile` or `desktop` (null when
    there is no user agent). iPads and Android devices without `Mobile` are tablets.
-#}
{% macro device_type(user_agent) -%}
    case
        when {{ user_agent }} is null or trim({{ user_agent }}) = '' then null
        when lower({{ user_agent }}) like '%ipad%'
            or lower({{ user_agent }}) like '%tablet%'
            or (lower({{ user_agent }}) like '%android%' and lower({{ user_agent }}) not like '%mobile%')
            then 'tablet'
        when lower({{ user_agent }}) like '%mobile%'
            or lower({{ user_agent }}) like '%iphone%'
            or lower({{ user_agent }}) like '%android%'
            then 'mobile'
        else 'desktop'
    end
{%- endmacro %}
