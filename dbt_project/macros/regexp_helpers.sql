{#-
    Regular expressions on every warehouse. Patterns are written in the subset Python's `re`, RE2
    (DuckDB, BigQuery), Postgres and Java (Spark) share: no lookaround, no backreferences in the
    pattern, `\1`..`\9` in replacements. Each adapter gets the literal quoting it needs: DuckDB and
    Postgres read backslashes as they are, Snowflake and Spark string literals escape them.
-#}

{#- True when the whole of `expression` matches `pattern` (no anchors needed). -#}
{% macro regexp_full_match(expression, pattern) -%}
    {{ return(adapter.dispatch('regexp_full_match', 'customer_warehouse')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regexp_full_match(expression, pattern) -%}
    regexp_like({{ expression }}, {{ regexp_literal('^(' ~ pattern ~ ')$', escape_backslashes=true) }})
{%- endmacro %}

{% macro duckdb__regexp_full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, {{ regexp_literal(pattern) }})
{%- endmacro %}

{% macro postgres__regexp_full_match(expression, pattern) -%}
    ({{ expression }} ~ {{ regexp_literal('^(' ~ pattern ~ ')$') }})
{%- endmacro %}

{#- Replace every match of `pattern` in `expression` with `replacement` (`\1`.. for groups). -#}
{% macro regexp_substitute(expression, pattern, replacement) -%}
    {%- set implementation = adapter.dispatch('regexp_substitute', 'customer_warehouse') -%}
    {{ return(implementation(expression, pattern, replacement)) }}
{%- endmacro %}

{#- Snowflake, BigQuery: replace-all is the default of `regexp_replace`. -#}
{% macro default__regexp_substitute(expression, pattern, replacement) -%}
    {%- set arguments = [expression, regexp_literal(pattern, escape_backslashes=true),
        regexp_literal(replacement, escape_backslashes=true)] -%}
    regexp_replace({{ arguments | join(', ') }})
{%- endmacro %}

{#- Spark: replace-all by default, groups as `$1`. -#}
{% macro spark__regexp_substitute(expression, pattern, replacement) -%}
    {%- set groups = namespace(text=replacement) -%}
    {%- for n in range(1, 10) -%}
        {%- set groups.text = groups.text | replace('\\' ~ n, '$' ~ n) -%}
    {%- endfor -%}
    {%- set arguments = [expression, regexp_literal(pattern, escape_backslashes=true),
        regexp_literal(groups.text, escape_backslashes=true)] -%}
    regexp_replace({{ arguments | join(', ') }})
{%- endmacro %}

{% macro duckdb__regexp_substitute(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, {{ regexp_literal(pattern) }}, {{ regexp_literal(replacement) }}, 'g')
{%- endmacro %}

{% macro postgres__regexp_substitute(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, {{ regexp_literal(pattern) }}, {{ regexp_literal(replacement) }}, 'g')
{%- endmacro %}

{#- A pattern as a SQL string literal: quotes doubled, backslashes doubled where literals escape them. -#}
{% macro regexp_literal(pattern, escape_backslashes=false) -%}
    {%- set text = pattern | replace("'", "''") -%}
    {%- if escape_backslashes -%}{%- set text = text | replace('\\', '\\\\') -%}{%- endif -%}
    '{{ text }}'
{%- endmacro %}

{% macro bigquery__regexp_full_match(expression, pattern) -%}
    regexp_contains({{ expression }}, {{ regexp_literal('^(' ~ pattern ~ ')$', escape_backslashes=true) }})
{%- endmacro %}
