-- The storefront's devices as the identity graph needs them, read once from the pixel events
-- (the largest source: every page view): one row per (device, store account it was logged in
-- to, checkout it started), with when that was first and last seen. int_identity_records takes
-- the device records from here and int_identifiers their logins and checkouts, so the events
-- are deduplicated and scanned once, not once per model.

with

pixel_events as (

    select
        client_id,
        customer_id,
        checkout_token,
        occurred_at

    from {{ ref('stg_shopify__pixel_events') }}
    where client_id is not null

)

select
    -- ids
    client_id,
    customer_id,

    -- strings
    checkout_token,

    -- timestamps
    min(occurred_at) as first_seen_at,
    max(occurred_at) as last_seen_at

from pixel_events
group by
    client_id,
    customer_id,
    checkout_token
