-- The contactable side of every known customer, in the audience contract of activation/README.md
-- (one row per customer): best e-mail and phone, name, the latest consent per channel and
-- suppression. Not filtered by consent: every trigger and audience takes its contact columns
-- from here, and the sendable audiences (audience_segments and its slices,
-- audience_abandoned_cart_email) filter them. Reads dim_customers only, so the activation lane
-- (triggers every 15 minutes) does not rebuild the value marts.

with

customers as (

    select * from {{ ref('dim_customers') }}

),

contacts as (

    select
        customers.customer_id,
        customers.best_email as email,
        customers.best_phone as phone,
        customers.first_name,
        customers.last_name,
        coalesce(customers.email_consent_state = 'subscribed', false) as consent_email,
        coalesce(customers.sms_consent_state = 'subscribed', false) as consent_sms,
        coalesce(customers.ads_consent_state = 'granted', false) as consent_ads,
        {% if var('value_suppress_open_complaints', true) %}
            coalesce(customers.open_tickets_count, 0) > 0 as has_open_complaint
        {% else %}
            false as has_open_complaint
        {% endif %}

    from customers
    where not coalesce(customers.is_anonymous, false)

),

final as (

    select
        -- ids
        contacts.customer_id,

        -- strings
        contacts.email,
        contacts.phone,
        contacts.first_name,
        contacts.last_name,
        case when contacts.has_open_complaint then 'open_complaint' end as suppression_reason,

        -- booleans
        contacts.consent_email,
        contacts.consent_sms,
        contacts.consent_ads,
        contacts.has_open_complaint as is_suppressed,
        contacts.email is not null or contacts.phone is not null as is_reachable,

        -- timestamps
        {{ as_of_timestamp() }} as as_of

    from contacts

)

select * from final
