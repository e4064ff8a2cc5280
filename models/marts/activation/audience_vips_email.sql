-- Segment `vips` (top 10% LTV) for e-mail: members with e-mail consent, not suppressed; matched
-- on e-mail and phone, with names and value as properties (sync vip_to_klaviyo).

{{ value_segment_audience('vips', 'email', ['email', 'phone', 'first_name', 'last_name']) }}
