-- Segment membership: one row per customer and segment they belong to as of as_of. Segments
-- are configuration (segment_membership.yml, `config: meta: segments`): each rule is an SQL
-- predicate over customer_features, compiled here; a segment with a precedence is exclusive
-- (a customer keeps only the matching exclusive segment with the lowest precedence), the
-- others overlap freely. Adding a segment is a change to that YAML only.

{#- Under sqlfluff (no dbt `config.meta_get`) one example segment is linted instead #}
{%- set configured = (
    (config.meta_get('segments', []) if execute else []) if config.meta_get is defined else none
) %}
{%- set segments = value_segments(configured) %}

with

customer_features as {{ inline_cte() }} (

    select * from {{ ref('customer_features') }}

),

matches as (

    {% for segment in segments %}
        select
            customer_id,
            {{ value_string_literal(segment.name) }} as segment,
            {{ value_string_literal(segment.get('label') or segment.name) }} as segment_label,
            {{ value_string_literal(segment.owner) }} as segment_owner,
            {{ value_string_literal(segment.description | trim) }} as segment_description,
            {{ value_string_literal(segment.rule | trim) }} as segment_rule,
            {{ value_string_literal((segment.get('channels') or ['email', 'sms', 'ads']) | join(',')) }}
                as segment_channels,
            {{ segment.precedence if segment.get('precedence') is not none else 'null' }}
                as segment_precedence

        from customer_features
        where {{ segment.rule }}

        union all
    {% endfor %}

    -- closes the union (and types the columns when no segment is configured)
    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as segment,
        cast(null as {{ dbt.type_string() }}) as segment_label,
        cast(null as {{ dbt.type_string() }}) as segment_owner,
        cast(null as {{ dbt.type_string() }}) as segment_description,
        cast(null as {{ dbt.type_string() }}) as segment_rule,
        cast(null as {{ dbt.type_string() }}) as segment_channels,
        cast(null as {{ dbt.type_int() }}) as segment_precedence

    from customer_features
    where 1 = 0

),

ranked as (

    select
        *,
        case
            when segment_precedence is not null
                then row_number() over (
                    partition by customer_id, segment_precedence is not null
                    order by segment_precedence, segment
                )
        end as exclusive_rank

    from matches

),

final as (

    select
        -- ids
        customer_id,

        -- strings
        segment,
        segment_label,
        segment_owner,
        segment_description,
        segment_rule,
        segment_channels,

        -- numerics
        cast(segment_precedence as {{ dbt.type_int() }}) as segment_precedence,

        -- booleans
        segment_precedence is not null as is_exclusive,

        -- timestamps
        {{ as_of_timestamp() }} as as_of

    from ranked
    where exclusive_rank is null or exclusive_rank = 1

)

select * from final
