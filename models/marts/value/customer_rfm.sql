-- RFM per customer with at least one order up to as_of: recency, frequency and monetary scores
-- 1-5 by quintile (5 = best; recency reversed: the most recent orders score 5), ties broken by
-- customer_id so equal values split deterministically, and the named segment of the first rule
-- of the seed rfm_segments (by precedence) that contains the three scores.

with

customer_ltv as (

    select * from {{ ref('customer_ltv') }}

),

rfm_segments as (

    select * from {{ ref('rfm_segments') }}

),

scored as (

    select
        customer_id,
        days_since_last_order as recency_days,
        orders_count as frequency,
        net_revenue as monetary,
        last_order_at,
        ntile(5) over (order by last_order_at, customer_id) as r_score,
        ntile(5) over (order by orders_count, customer_id) as f_score,
        ntile(5) over (order by net_revenue, customer_id) as m_score

    from customer_ltv

),

matches as (

    select
        scored.customer_id,
        rfm_segments.rfm_segment,
        rfm_segments.precedence,
        rfm_segments.description,
        row_number() over (
            partition by scored.customer_id order by rfm_segments.precedence
        ) as match_rank

    from scored
    inner join rfm_segments
        on
            scored.r_score between rfm_segments.r_score_min and rfm_segments.r_score_max
            and scored.f_score between rfm_segments.f_score_min and rfm_segments.f_score_max
            and scored.m_score between rfm_segments.m_score_min and rfm_segments.m_score_max

),

final as (

    select
        -- ids
        scored.customer_id,

        -- strings
        matches.rfm_segment,
        matches.description as rfm_segment_description,
        {{ dbt.concat([
            dbt.cast('scored.r_score', dbt.type_string()),
            dbt.cast('scored.f_score', dbt.type_string()),
            dbt.cast('scored.m_score', dbt.type_string()),
        ]) }} as rfm_cell,

        -- numerics
        scored.recency_days,
        scored.frequency,
        scored.monetary,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        matches.precedence as rfm_segment_precedence,

        -- timestamps
        scored.last_order_at,
        {{ as_of_timestamp() }} as as_of

    from scored
    left join matches
        on
            scored.customer_id = matches.customer_id
            and matches.match_rank = 1

)

select * from final
