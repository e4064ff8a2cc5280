{#-
    An e-mail address as a join key: trimmed of surrounding whitespace and lower-cased; null when
    it is not a valid address. The set-based form of core/identifiers/email.py (which decides with
    `email-validator`): the address's shape, then the domain checks a shape cannot make (an
    all-digit or special-use top-level domain such as `.local`, `--` in a label that is not
    Punycode), both patterns read from `email_rules()` (generated from the Python rule).
    tests/identifiers runs both forms on a shared table of tricky addresses.
-#}
{% macro normalize_email(column) -%}
    {{ return(adapter.dispatch('normalize_email', 'customer_warehouse')(column)) }}
{%- endmacro %}

{% macro default__normalize_email(column) -%}
    {%- set rules = email_rules() -%}
    {%- set email = 'lower(' ~ regexp_substitute(column, '^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$', '') ~ ')' -%}
    case
        when {{ regexp_full_match(email, rules.pattern) }}
            and not {{ regexp_full_match(dbt.split_part(email, "'@'", 2), rules.bad_domain_pattern) }}
            then {{ email }}
    end
{%- endmacro %}
