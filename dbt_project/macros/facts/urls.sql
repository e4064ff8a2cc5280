{#-
    Reading URLs with portable string functions (`dbt.split_part`), no regular expressions.

    `url_parameter`: the raw value of one query parameter (`utm_source`), or null when absent
    or empty. Works on a full URL or on Shopify's `landing_site` (path and query).
    `url_path`: the URL without its query string and fragment (`/products/mug`).
-#}
{% macro url_parameter(url, parameter) -%}
    {%- set query = dbt.concat(["'&'", dbt.split_part(url, "'?'", 2)]) -%}
    nullif(
        {{ dbt.split_part(
            dbt.split_part(dbt.split_part(query, dbt.string_literal('&' ~ parameter ~ '='), 2), "'&'", 1),
            "'#'", 1
        ) }},
        ''
    )
{%- endmacro %}

{% macro url_path(url) -%}
    nullif({{ dbt.split_part(dbt.split_part(url, "'?'", 1), "'#'", 1) }}, '')
{%- endmacro %}

{#- The path of a full URL (`https://shop.example.com/products/mug?x=1` -> `/products/mug`);
    a URL without scheme and host is read as a path already. -#}
{% macro url_page_path(url) -%}
    {%- set host_and_path = url_path(dbt.split_part(url, "'://'", 2)) -%}
    case
        when {{ url }} like '%://%'
            then coalesce(
                nullif(substr({{ host_and_path }}, {{ dbt.length(dbt.split_part(host_and_path, "'/'", 1)) }} + 1), ''),
                '/'
            )
        else {{ url_path(url) }}
    end
{%- endmacro %}
