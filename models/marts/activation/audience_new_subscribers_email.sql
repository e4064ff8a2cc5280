-- Segment `new_subscribers` (subscribed in the last 30 days) for e-mail: members with e-mail
-- consent, not suppressed; e-mail and names only (sync newsletter_to_mailchimp).

{{ value_segment_audience('new_subscribers', 'email', ['email', 'first_name', 'last_name']) }}
