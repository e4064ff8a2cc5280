{#-
    A 1..`bins` score of a value over its distribution, the same for equal values.

    score = 1 + floor(bins x (customers with a strictly worse value) / customers)

    `rank()` gives equal values one rank (the number of strictly worse rows, plus one), so
    equal values always share a score, whatever their ids; a score k means that between
    (k-1)/bins and k/bins of the rows have a strictly worse value. On distinct values it
    splits the rows into equal bins like `ntile`; on a mass of equal values (most customers of
    a real store order once) the mass takes one score and the scores it spans stay empty.
    `higher_is_better=false` scores low values best (recency in days). Portable window
    functions only (`rank`, `count` over the whole set); the division is done in double
    precision on integers, exact for any realistic row count. Dispatched.
-#}
{% macro value_distribution_score(value, bins=5, higher_is_better=true) -%}
    {%- set implementation = adapter.dispatch('value_distribution_score', 'customer_warehouse') -%}
    {{ return(implementation(value, bins, higher_is_better)) }}
{%- endmacro %}

{% macro default__value_distribution_score(value, bins, higher_is_better) -%}
    (1 + cast(floor(
        cast((rank() over (order by {{ value }} {{ 'asc' if higher_is_better else 'desc' }}) - 1) * {{ bins }}
            as {{ value_type_double() }})
        / count(*) over ()
    ) as {{ dbt.type_int() }}))
{%- endmacro %}
