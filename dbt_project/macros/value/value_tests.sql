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

{#- Groups of rows with the same `inputs` but more than one value of one of the `outputs`: the
    outputs are not a function of the inputs (e.g. two customers with the same recency,
    frequency and monetary value in different RFM scores or segments). Nulls count as a value. -#}
{% test value_same_inputs_same_outputs(model, inputs, outputs) %}

select
    {{ inputs | join(', ') }},
    count(*) as rows_in_group
from {{ model }}
group by {{ inputs | join(', ') }}
having
    {% for output in outputs -%}
        count(distinct coalesce({{ dbt.cast(output, dbt.type_string()) }}, '<null>')) > 1
        {{- ' or' if not loop.last }}
    {% endfor %}

{% endtest %}
