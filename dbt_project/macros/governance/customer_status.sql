{#-
    How a customer's lifecycle stage is derived, written once for every model that reports the
    governed fields `lifecycle_stage` and `customer_status` (customer_lifecycle, dim_customers).
    The windows are the rows of the seed lifecycle_thresholds, which also maps each stage to
    its customer_status; the allowed values are the data dictionary's.

        thresholds as (
            {{ lifecycle_threshold_days(ref('lifecycle_thresholds')) }}
        ),
        ...
        {{ lifecycle_stage('has_ordered', 'days_since_first_order', 'days_since_last_order') }}
            as lifecycle_stage
-#}

{% macro lifecycle_threshold_days(thresholds_relation) %}
    select
        max(case when lifecycle_stage = 'new' then threshold_days end) as new_days,
        max(case when lifecycle_stage = 'at_risk' then threshold_days end) as at_risk_days,
        max(case when lifecycle_stage = 'lapsed' then threshold_days end) as lapsed_days,
        max(case when lifecycle_stage = 'churned' then threshold_days end) as churned_days

    from {{ thresholds_relation }}
{% endmacro %}


{#- The stage of a known customer: `has_ordered` (boolean SQL) says whether they ordered by
    as_of; the day counts run from the first / last order to as_of; `thresholds` is the relation
    built from lifecycle_threshold_days. -#}
{% macro lifecycle_stage(
    has_ordered, days_since_first_order, days_since_last_order, thresholds='thresholds'
) %}
    case
        when not ({{ has_ordered }}) then 'prospect'
        when {{ days_since_first_order }} <= {{ thresholds }}.new_days then 'new'
        when {{ days_since_last_order }} > {{ thresholds }}.churned_days then 'churned'
        when {{ days_since_last_order }} > {{ thresholds }}.lapsed_days then 'lapsed'
        when {{ days_since_last_order }} > {{ thresholds }}.at_risk_days then 'at_risk'
        else 'active'
    end
{% endmacro %}
