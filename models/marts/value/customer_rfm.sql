-- RFM per customer with at least one order up to as_of: recency (days since the last order),
-- frequency (orders) and monetary (net revenue) scores 1-5 over each value's distribution
-- (value_distribution_score: 1 + floor(5 x share of customers with a strictly worse value); 5 =
-- best, fewer days is better), so customers with equal values always share a score, and the
-- named segment of the first rule of the seed rfm_segments (by precedence) that contains the
-- three scores: identical customers share their segment too.

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
        {{ value_distribution_score('days_since_last_order', 5, higher_is_better=false) }} as r_score,
        {{ value_distribution_score('orders_count', 5) }} as f_score,
        {{ value_distribution_score('net_revenue', 5) }} as m_score

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
