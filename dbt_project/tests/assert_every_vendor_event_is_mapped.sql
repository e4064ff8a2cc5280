-- Every vendor event found in the data must have a row in the seed `event_mapping` (tracked or
-- deliberately not): an unknown event fails the build instead of silently missing from
-- fct_events. One row per unmapped vendor event, with how often it occurs.
select
    source_system,
    source_table,
    vendor_event_name,
    count(*) as occurrences,
    min(occurred_at) as first_seen_at,
    max(occurred_at) as last_seen_at

from {{ ref('int_events_mapped') }}
where not is_mapped
group by source_system, source_table, vendor_event_name
