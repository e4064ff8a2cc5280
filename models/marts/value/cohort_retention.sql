-- Cohorts by first-order month, long: one row per cohort and month since the first order (0 =
-- the first-order month) up to the month of as_of, with cohort size, active customers,
-- retention, orders, net revenue and cumulative net revenue per customer. The SQL is shared
-- with cohort_retention_by_channel (macro value_cohort_retention).

{{ value_cohort_retention(ref('customer_orders')) }}
