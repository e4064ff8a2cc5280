{#- Generic data tests of the value marts (no package dependencies). -#}

{#- Rows where `expression` is not true (null counts as a failure). -#}
{% test value_expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}

{#- Combinations of `columns` that occur more than once. -#}
{% test value_unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
