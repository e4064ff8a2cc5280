"""Jobs and schedules."""

import dagster as dg

main_job = dg.define_asset_job(
    "main_job",
    selection=dg.AssetSelection.all(),
    description="Generate or land vendor data, build every model, check, publish.",
    tags={"cdw/warehouse": "build"},
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_warehouse", job=main_job, cron_schedule="0 2 * * *", execution_timezone="UTC",
    description="The whole warehouse, every night.",
)

defs = dg.Definitions(jobs=[main_job], schedules=[nightly_schedule])
