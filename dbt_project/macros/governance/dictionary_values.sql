{#-
    Generic tests that read the governed fields' rules from the seed `governed_values`, which
    `python -m governance.generate` writes from governance/data_dictionary.yml. No allowed value
    or pattern is written in a model yml:

        columns:
          - name: customer_status
            data_tests:
              - dictionary_values:
                  arguments:
                    field: customer_status
          - name: email
            data_tests:
              - dictionary_format:
                  arguments:
                    field: email
-#}

{% test dictionary_values(model, column_name, field) %}

with

allowed as (

    select value
    from {{ ref('governed_values') }}
    where field = '{{ field }}'
        and kind = 'allowed_value'

)

select {{ column_name }} as unexpected_value
from {{ model }}
where {{ column_name }} is not null
    and {{ dbt.cast(column_name, dbt.type_string()) }} not in (select value from allowed)

{% endtest %}


{% test dictionary_format(model, column_name, field) %}

with

pattern as (

    select max(value) as regex
    from {{ ref('governed_values') }}
    where field = '{{ field }}'
        and kind = 'format'

)

select {{ column_name }} as unexpected_value
from {{ model }}
cross join pattern
where {{ column_name }} is not null
    and not {{ governed_regex_match(dbt.cast(column_name, dbt.type_string()), 'pattern.regex') }}

{% endtest %}


{% macro governed_regex_match(expression, pattern) %}
    {{ return(adapter.dispatch('governed_regex_match', 'customer_warehouse')(expression, pattern)) }}
{% endmacro %}

{% macro default__governed_regex_match(expression, pattern) %}
    regexp_matches({{ expression }}, {{ pattern }})
{% endmacro %}
