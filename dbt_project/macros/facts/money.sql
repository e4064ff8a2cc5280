{#-
    `amount * part / whole`, rounded half up to the cent, exactly.

    Dividing decimals gives a double on some warehouses (DuckDB), and a double of `12.495` may
    round either way. Here the division is done on whole cents: floor((2 * cents * part + whole)
    / (2 * whole)) is the half-up rounded quotient, and it is exact because the true quotient
    is never closer than 1 / (2 * whole) to an integer unless it is one. Used to spread an
    amount over units (a unit's share of an Amazon line, the refund of returned units).
    Null when `whole` is zero or null.
-#}
{% macro prorate_amount(amount, part, whole) -%}
    cast(
        cast(
            floor(
                (2 * cast(({{ amount }}) * 100 as {{ dbt.type_bigint() }}) * ({{ part }}) + ({{ whole }}))
                / (2.0 * nullif({{ whole }}, 0))
            ) as numeric(18, 0)
        ) * 0.01 as numeric(18, 2)
    )
{%- endmacro %}
