-- Pairs of customer profiles that probably are one person, for a data owner to review: scored by
-- the Fellegi-Sunter model the step identity.suggest trains by EM on the seller's own profiles
-- (table identity_suggestions.match_pairs), with the match weight, the comparison vector and
-- the values compared. Nothing here merges by itself: a pair links only once its row is added
-- to seeds/identity_accepted_matches.csv as `accepted` (or when an auto-merge weight is
-- configured and reached).

with

pairs as (

    select * from {{ identity_suggested_pairs() }} as suggested

),

decisions as (

    select * from {{ ref('identity_accepted_matches') }}

),

source_map as {{ inline_cte() }} (

    select * from {{ ref('customer_source_map') }}

),

inputs as {{ inline_cte() }} (

    select * from {{ ref('int_identity_match_inputs') }}

),

decided as (

    select
        pairs.record_id_l,
        pairs.record_id_r,
        pairs.match_weight,
        pairs.match_probability,
        pairs.comparison_vector,
        pairs.is_auto_merge,
        pairs.scored_at,
        max(decisions.decision) as decision,
        max(decisions.decided_by) as decided_by

    from pairs
    left join decisions
        on
            (pairs.record_id_l = decisions.record_id_a and pairs.record_id_r = decisions.record_id_b)
            or (pairs.record_id_l = decisions.record_id_b and pairs.record_id_r = decisions.record_id_a)
    group by
        pairs.record_id_l,
        pairs.record_id_r,
        pairs.match_weight,
        pairs.match_probability,
        pairs.comparison_vector,
        pairs.is_auto_merge,
        pairs.scored_at

)

select
    -- ids
    {{ dbt.hash(dbt.concat(['decided.record_id_l', "'|'", 'decided.record_id_r'])) }} as suggestion_id,
    decided.record_id_l as record_id_a,
    decided.record_id_r as record_id_b,
    map_a.customer_id as customer_id_a,
    map_b.customer_id as customer_id_b,

    -- strings
    case
        when map_a.customer_id = map_b.customer_id then 'linked'
        when decided.decision = 'rejected' then 'rejected'
        when decided.decision = 'accepted' then 'accepted'
        else 'pending_review'
    end as suggestion_status,
    decided.comparison_vector,
    decided.decided_by,
    inputs_a.first_name as first_name_a,
    inputs_b.first_name as first_name_b,
    inputs_a.last_name as last_name_a,
    inputs_b.last_name as last_name_b,
    inputs_a.email_local as email_local_a,
    inputs_b.email_local as email_local_b,
    inputs_a.phone as phone_a,
    inputs_b.phone as phone_b,
    inputs_a.address_line as address_line_a,
    inputs_b.address_line as address_line_b,
    inputs_a.postal_code as postal_code_a,
    inputs_b.postal_code as postal_code_b,
    inputs_a.city as city_a,
    inputs_b.city as city_b,

    -- numerics
    decided.match_weight,
    decided.match_probability,

    -- booleans
    decided.is_auto_merge,
    (
        coalesce(inputs_a.is_business_profile, false)
        != coalesce(inputs_b.is_business_profile, false)
    ) as is_business_and_personal,

    -- timestamps
    decided.scored_at

from decided
left join source_map as map_a
    on decided.record_id_l = map_a.record_id
left join source_map as map_b
    on decided.record_id_r = map_b.record_id
left join inputs as inputs_a
    on decided.record_id_l = inputs_a.profile_record_id
left join inputs as inputs_b
    on decided.record_id_r = inputs_b.profile_record_id
