-- Cohorts by first-order month and acquisition channel (channel_source of the first order),
-- long: one row per cohort, channel and month since the first order, with the measures of
-- cohort_retention. Activity counts every later order of the cohort, in any channel.

{{ value_cohort_retention(
    ref('customer_orders'), dimension='channel_source', dimension_alias='acquisition_channel'
) }}
