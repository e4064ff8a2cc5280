{#-
    Normalised identifier values, the match keys of the identity graph. Portable SQL (string
    functions every warehouse has); a warehouse can override any of them with `<adapter>__`.
-#}

{#- An e-mail address as an identity key: trimmed, lowercased (the staging macro
    `normalize_email`), then folded to its inbox: the `+tag` dropped (var
    `identity_fold_plus_tags`) and Gmail's dots ignored, `googlemail.com` as `gmail.com` (var
    `identity_fold_gmail_dots`). Null when not shaped like an address. -#}
{% macro identity_email_key(column) -%}
    {{ return(adapter.dispatch('identity_email_key', 'customer_warehouse')(column)) }}
{%- endmacro %}

{% macro default__identity_email_key(column) -%}
    {{ identity_email_key_of_normalized(normalize_email(column)) }}
{%- endmacro %}

{#- identity_email_key of an address already through normalize_email (a column holding
    `normalize_email(x)` gives identity_email_key(x)): the regular expressions of normalize_email
    run once per row, where the key, its relay test and the person-name checks all read it. -#}
{% macro identity_email_key_of_normalized(email) -%}
    {%- set local = dbt.split_part(email, "'@'", 1) -%}
    {%- set domain = dbt.split_part(email, "'@'", 2) -%}
    {%- if var('identity_fold_plus_tags', true) -%}
        {%- set local = dbt.split_part(local, "'+'", 1) -%}
    {%- endif -%}
    {%- if var('identity_fold_gmail_dots', true) %}
    case
        when {{ email }} is null then null
        when {{ domain }} in ('gmail.com', 'googlemail.com')
            then {{ dbt.concat([dbt.replace(local, "'.'", "''"), "'@gmail.com'"]) }}
        else {{ dbt.concat([local, "'@'", domain]) }}
    end
    {%- else %}
    case
        when {{ email }} is not null then {{ dbt.concat([local, "'@'", domain]) }}
    end
    {%- endif -%}
{%- endmacro %}

{#- The domain of an e-mail address (lowercased), or null. -#}
{% macro identity_email_domain(column) -%}
    {{ dbt.split_part(normalize_email(column), "'@'", 2) }}
{%- endmacro %}

{#- True when an e-mail address is a marketplace relay address (the masked buyer address Amazon
    gives sellers): its domain is one of the var `identity_relay_email_domains`. -#}
{% macro identity_is_relay_email(column) -%}
    {{ identity_is_relay_email_of_normalized(normalize_email(column)) }}
{%- endmacro %}

{#- identity_is_relay_email of an address already through normalize_email. -#}
{% macro identity_is_relay_email_of_normalized(email) -%}
    {%- set domains = var('identity_relay_email_domains', ['marketplace.amazon.com']) -%}
    {%- if domains is string -%}{%- set domains = [domains] -%}{%- endif -%}
    coalesce({{ dbt.split_part(email, "'@'", 2) }} in (
    {%- for domain in domains %}{{ dbt.string_literal(domain) }}{{ ', ' if not loop.last }}{% endfor -%}
    ), false)
{%- endmacro %}

{#- A person's name as a key: lowercased, trimmed, inner whitespace collapsed; null when empty. -#}
{% macro identity_name_key(first_name, last_name=none) -%}
    {{ return(adapter.dispatch('identity_name_key', 'customer_warehouse')(first_name, last_name)) }}
{%- endmacro %}

{% macro default__identity_name_key(first_name, last_name) -%}
    {%- if last_name is none -%}
        {%- set joined = 'lower(trim(' ~ first_name ~ '))' -%}
    {%- else -%}
        {%- set joined = "lower(trim(coalesce(" ~ first_name ~ ", '') || ' ' || coalesce("
            ~ last_name ~ ", '')))" -%}
    {%- endif -%}
    nullif(replace(replace(replace({{ joined }}, '   ', ' '), '  ', ' '), '  ', ' '), '')
{%- endmacro %}

{#- A postal address as a key: `<number> <street> <suffix> <unit>|<postal code>|<country>`,
    lowercased, punctuation dropped, street suffixes abbreviated (`Street` -> `st`), unit
    markers (`Apt`, `Apt.`, `Unit`, `#`) dropped so `12 Elm Street, Apt 4B` and `12 ELM ST #4B`
    agree. Null when the first line is missing. -#}
{% macro identity_address_key(line_1, postal_code, country_code) -%}
    {{ return(adapter.dispatch('identity_address_key', 'customer_warehouse')(
        line_1, postal_code, country_code)) }}
{%- endmacro %}

{% macro identity_address_suffixes() -%}
    {{ return({
        'street': 'st', 'avenue': 'ave', 'road': 'rd', 'boulevard': 'blvd', 'lane': 'ln',
        'drive': 'dr', 'court': 'ct', 'place': 'pl', 'terrace': 'ter', 'parkway': 'pkwy',
        'apartment': '', 'apt': '', 'unit': '', 'suite': '',
    }) }}
{%- endmacro %}

{% macro default__identity_address_key(line_1, postal_code, country_code) -%}
    {#- Punctuation to spaces, then pad with spaces so every word is ` word `. -#}
    {%- set sql = namespace(text="' ' || lower(trim(" ~ line_1 ~ ")) || ' '") -%}
    {%- for mark in ['.', ',', '#'] -%}
        {%- set sql.text = "replace(" ~ sql.text ~ ", '" ~ mark ~ "', ' ')" -%}
    {%- endfor -%}
    {%- for _ in range(2) -%}
        {%- set sql.text = "replace(" ~ sql.text ~ ", '  ', ' ')" -%}
    {%- endfor -%}
    {%- for word, short in identity_address_suffixes().items() -%}
        {%- set sql.text = "replace(" ~ sql.text ~ ", ' " ~ word ~ " ', ' " ~ short ~ " ')" -%}
    {%- endfor -%}
    {%- set sql.text = "replace(" ~ sql.text ~ ", '  ', ' ')" -%}
    case
        when nullif(trim({{ line_1 }}), '') is not null
            then trim({{ sql.text }})
            || '|' || upper(replace(coalesce({{ postal_code }}, ''), ' ', ''))
            || '|' || upper(trim(coalesce({{ country_code }}, '')))
    end
{%- endmacro %}

{#- DuckDB: the same key in one pass over the words (no deep nesting of `replace`). -#}
{% macro duckdb__identity_address_key(line_1, postal_code, country_code) -%}
    case
        when nullif(trim({{ line_1 }}), '') is not null
            then array_to_string(
                list_filter(
                    list_transform(
                        string_split(regexp_replace(lower(trim({{ line_1 }})), '[.,#]', ' ', 'g'), ' '),
                        lambda word: case word
    {%- for word, short in identity_address_suffixes().items() %}
                            when '{{ word }}' then '{{ short }}'
    {%- endfor %}
                            else word
                        end
                    ),
                    lambda word: word != ''
                ),
                ' '
            )
            || '|' || upper(replace(coalesce({{ postal_code }}, ''), ' ', ''))
            || '|' || upper(trim(coalesce({{ country_code }}, '')))
    end
{%- endmacro %}

{#- The first name in a full-name key, as evidence of who a record is about; null when the name
    looks like an e-mail local part or a handle (digits, `@`, `.`, `_`) or is the local part of
    the record's own e-mail (help-desk users often "name" themselves by their address). A name of
    two words is a name even when its letters spell the local part (`oliver gray` of
    `olivergray@`): most people's address is their name. `email_key` (the identity_email_key of
    the record's e-mail, where the caller already has it) spares normalising `email` again. -#}
{% macro identity_first_name_key(full_name, email=none, email_key=none) -%}
    {%- set email_key = email_key if email_key is not none else identity_email_key(email) -%}
    {%- set local = dbt.split_part(email_key, "'@'", 1) -%}
    case
        when {{ full_name }} is null then null
        when {{ identity_has_handle_mark(full_name) }} then null
        when {{ full_name }} = {{ local }} then null
        else nullif({{ dbt.split_part(full_name, "' '", 1) }}, '')
    end
{%- endmacro %}

{#- Whether a name holds a mark of an e-mail local part or a handle: `@`, `.`, `_` or a digit. -#}
{% macro identity_has_handle_mark(name) -%}
    {{ identity_has_any_of(name, '@._0123456789') }}
{%- endmacro %}

{#- Whether `expression` holds any of `characters` (plain characters, no ranges). -#}
{% macro identity_has_any_of(expression, characters) -%}
    {{ return(adapter.dispatch('identity_has_any_of', 'customer_warehouse')(expression, characters)) }}
{%- endmacro %}

{% macro default__identity_has_any_of(expression, characters) -%}
    ({{ dbt.length("translate(" ~ expression ~ ", '" ~ characters ~ "', '')") }} < {{ dbt.length(expression) }})
{%- endmacro %}

{#- DuckDB: one character-class search instead of rewriting the text (over the 3.3M names of the
    1M-customer demo's records, computed twice where a filter keeps the non-empty keys; 1.4 s ->
    0.1 s over the 1.4M names of its shared values). -#}
{% macro duckdb__identity_has_any_of(expression, characters) -%}
    {%- set escaped = characters | replace('\\', '\\\\') | replace(']', '\\]') | replace('^', '\\^')
        | replace('-', '\\-') -%}
    regexp_matches({{ expression }}, '[{{ escaped }}]')
{%- endmacro %}
