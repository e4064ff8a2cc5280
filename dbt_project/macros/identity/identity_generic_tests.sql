{#- Generic data test: no two rows share the same values of `columns` (a compound key). -#}
{% test identity_unique_combination(model, columns) %}

    select
        {{ columns | join(', ') }},
        count(*) as duplicates

    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1

{% endtest %}
