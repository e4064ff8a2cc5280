"""Schedules from ``config/orchestration.yml``, each in its configured IANA time zone.

* ``nightly_warehouse``: the whole graph;
* ``activation_lane``: every ``interval_minutes``; the run's ``as_of`` is the tick time (UTC), so
  a cart abandoned before the tick minus the abandonment window is in that run's trigger audience;
* ``clv_weekly_refit``: refit and rescore CLV.
"""

from datetime import UTC, datetime

import dagster as dg

from orchestration.config import OrchestrationConfig, load_config
from orchestration.defs.jobs import activation_lane_job, clv_refit_job, main_job

TICK_TAG = "cdw/tick"


def _status(enabled: bool) -> dg.DefaultScheduleStatus:
    return dg.DefaultScheduleStatus.RUNNING if enabled else dg.DefaultScheduleStatus.STOPPED


def tick_as_of(scheduled: datetime) -> str:
    """The tick as a naive UTC ISO timestamp, the form the dbt ``as_of`` var takes."""
    return scheduled.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def build_schedules(config: OrchestrationConfig) -> list[dg.ScheduleDefinition]:
    nightly = config.schedule("nightly_warehouse")
    lane = config.schedule("activation_lane")
    clv = config.schedule("clv_weekly_refit")

    nightly_schedule = dg.ScheduleDefinition(
        name="nightly_warehouse", job=main_job, cron_schedule=nightly.cron, execution_timezone=nightly.timezone,
        default_status=_status(config.starts(nightly.enabled)),
        description="The whole warehouse, every night.")

    @dg.schedule(name="activation_lane", job=activation_lane_job, cron_schedule=lane.cron,
                 execution_timezone=lane.timezone, default_status=_status(config.starts(lane.enabled)),
                 description=f"Every {config.lane.interval_minutes} minutes: new events -> trigger audiences "
                             "-> trigger syncs, as of the tick time.")
    def activation_lane_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        as_of = tick_as_of(context.scheduled_execution_time)
        return dg.RunRequest(
            run_key=f"activation_lane:{as_of}",
            run_config={"resources": {"warehouse": {"config": {"as_of": as_of}}}},
            tags={TICK_TAG: as_of},
        )

    clv_schedule = dg.ScheduleDefinition(
        name="clv_weekly_refit", job=clv_refit_job, cron_schedule=clv.cron, execution_timezone=clv.timezone,
        default_status=_status(config.starts(clv.enabled)),
        description="Refit and rescore predictive CLV once a week.")
    return [nightly_schedule, activation_lane_schedule, clv_schedule]


defs = dg.Definitions(schedules=build_schedules(load_config()))
