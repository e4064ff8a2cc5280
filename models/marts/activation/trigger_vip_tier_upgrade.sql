-- VIP tier upgrade: the order with which a customer's cumulative net revenue (reporting
-- currency, refunds up to as_of netted) first reaches a higher tier of the var
-- `value_vip_tiers` ({silver: 250, gold: 500, platinum: 1000}); one trigger per upgrade, at that
-- order (a jump over two tiers is one upgrade, to the higher).

{%- set tiers = var('value_vip_tiers', {'silver': 250, 'gold': 500, 'platinum': 1000}) %}

with

customer_orders as (

    select * from {{ ref('customer_orders') }}

),

profiles as (

    select * from {{ ref('audience_customer_profiles') }}

),

cumulative as (

    select
        order_key,
        customer_id,
        ordered_at,
        sum(net_revenue) over (
            partition by customer_id order by ordered_at, order_key
            rows between unbounded preceding and current row
        ) as net_revenue_to_date

    from customer_orders

),

tiered as (

    select
        *,
        {{ value_tier_case('net_revenue_to_date', tiers, 'rank') }} as tier_rank,
        max({{ value_tier_case('net_revenue_to_date', tiers, 'rank') }}) over (
            partition by customer_id order by ordered_at, order_key
            rows between unbounded preceding and 1 preceding
        ) as previous_best_tier_rank,
        {{ value_tier_case('net_revenue_to_date', tiers) }} as vip_tier

    from cumulative

),

final as (

    select
        -- ids
        {{ dbt.hash(dbt.concat(["'vip_tier_upgrade|'", 'tiered.order_key', "'|'", 'tiered.vip_tier'])) }}
            as trigger_id,
        tiered.customer_id,
        tiered.order_key,

        -- strings
        'vip_tier_upgrade' as trigger_type,
        tiered.vip_tier,
        profiles.email,
        profiles.phone,
        profiles.first_name,
        profiles.last_name,

        -- numerics
        tiered.tier_rank as vip_tier_rank,
        tiered.net_revenue_to_date,

        -- booleans
        profiles.consent_email,
        profiles.consent_sms,
        profiles.consent_ads,
        profiles.is_suppressed,

        -- timestamps
        tiered.ordered_at as triggered_at

    from tiered
    inner join profiles
        on tiered.customer_id = profiles.customer_id
    where tiered.tier_rank > coalesce(tiered.previous_best_tier_rank, 0)

)

select * from final
