-- Segment `at_risk_lapsed` (2+ purchases, no activity for 90+ days) for ad platforms: members
-- with ads consent, not suppressed; e-mail and phone only, the match keys Meta and Google Ads
-- hash (syncs lapsed_to_meta, lapsed_to_google_ads).

{{ value_segment_audience('at_risk_lapsed', 'ads', ['email', 'phone']) }}
