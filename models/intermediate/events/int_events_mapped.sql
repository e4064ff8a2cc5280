-- Vendor events with their canonical name from the `event_mapping` seed, the channel its rule
-- gives, and the stable event id. Unmapped vendor events stay here (`is_mapped` false) for the
-- test `assert_every_vendor_event_is_mapped`; untracked ones keep `is_tracked` false.
with

vendor_events as (

    select * from {{ ref('int_events_unioned') }}

),

event_mapping as (

    select * from {{ ref('event_mapping') }}

),

mapped as (

    select
        vendor_events.*,
        event_mapping.vendor_event is not null as is_mapped,
        coalesce(event_mapping.is_tracked, false) as is_tracked,
        event_mapping.event_name,
        case
            when event_mapping.channel_source = 'order'
                then coalesce(vendor_events.order_channel_source, 'DTC')
            else event_mapping.channel_source
        end as channel_source,
        event_mapping.platform

    from vendor_events
    left join event_mapping
        on
            vendor_events.source_system = event_mapping.source_system
            and vendor_events.source_table = event_mapping.source_table
            and vendor_events.vendor_event_name = event_mapping.vendor_event

),

identified as (

    select
        {{ dbt.hash(dbt.concat([
            'source_system', "'|'", 'source_table', "'|'", 'source_record_key', "'|'",
            "coalesce(event_name, vendor_event_name)"
        ])) }} as event_id,
        *

    from mapped

)

select * from identified
