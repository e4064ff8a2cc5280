-- Segment `churned` (no order for more than the churned threshold) for SMS win-back: members
-- with SMS consent and a phone, not suppressed; phone and first name only (sync
-- winback_sms_file).

{{ value_segment_audience('churned', 'sms', ['phone', 'first_name']) }}
