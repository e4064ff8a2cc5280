"""Schedule ticks produce the expected run requests, in the configured time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import dagster as dg
from dagster._utils.schedules import schedule_execution_time_iterator

from orchestration.config import load_config, parse_config
from orchestration.definitions import defs
from orchestration.defs.schedules import TICK_TAG, build_schedules

BERLIN = ZoneInfo("Europe/Berlin")
INSTANCE = dg.DagsterInstance.ephemeral()


def _tick(schedule: dg.ScheduleDefinition, at: datetime) -> list[dg.RunRequest]:
    # One long-lived instance: a context's instance that is garbage-collected leaves Dagster's
    # global definitions-load context pointing at nothing, and later Definitions fail to resolve.
    context = dg.build_schedule_context(instance=INSTANCE, scheduled_execution_time=at)
    return list(schedule.evaluate_tick(context).run_requests or [])


def _next_ticks(schedule: dg.ScheduleDefinition, after: datetime, n: int) -> list[datetime]:
    """The next ``n`` ticks as the daemon computes them (Dagster's own iterator; no public one)."""
    ticks = schedule_execution_time_iterator(after.timestamp(), schedule.cron_schedule, schedule.execution_timezone)
    return [next(ticks) for _ in range(n)]


def _berlin_schedules() -> dict[str, dg.ScheduleDefinition]:
    config = parse_config({"timezone": "Europe/Berlin", "activation_lane": {"interval_minutes": 15},
                           "schedules": {"clv_weekly_refit": {"cron": "0 5 * * 1", "timezone": "America/New_York"}}})
    return {s.name: s for s in build_schedules(config)}


def test_nightly_tick_requests_the_whole_graph():
    schedule = defs.resolve_schedule_def("nightly_warehouse")
    requests = _tick(schedule, datetime(2026, 11, 23, 2, 0, tzinfo=ZoneInfo(schedule.execution_timezone)))
    assert len(requests) == 1
    assert schedule.job_name == "main_job"


def test_lane_tick_runs_the_lane_as_of_the_tick_time_in_utc():
    schedule = defs.resolve_schedule_def("activation_lane")
    assert schedule.job_name == "activation_lane"
    assert schedule.cron_schedule == f"*/{load_config().lane.interval_minutes} * * * *"
    at = datetime(2026, 11, 23, 10, 15, tzinfo=BERLIN)  # 09:15 UTC
    [request] = _tick(schedule, at)
    assert request.run_config == {"resources": {"warehouse": {"config": {"as_of": "2026-11-23T09:15:00"}}}}
    assert request.run_key == "activation_lane:2026-11-23T09:15:00"
    assert request.tags[TICK_TAG] == "2026-11-23T09:15:00"
    again = _tick(schedule, at)
    assert again[0].run_key == request.run_key, "the same tick never runs twice"


def test_lane_ticks_every_interval():
    schedule = defs.resolve_schedule_def("activation_lane")
    start = datetime(2026, 11, 23, 9, 59, tzinfo=UTC)
    ticks = _next_ticks(schedule, start, 5)
    gaps = {(b - a).total_seconds() / 60 for a, b in zip(ticks, ticks[1:], strict=False)}
    assert gaps == {load_config().lane.interval_minutes}
    assert ticks[0].astimezone(UTC) == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_clv_refit_is_weekly():
    schedule = defs.resolve_schedule_def("clv_weekly_refit")
    assert schedule.job_name == "clv_weekly_refit"
    ticks = _next_ticks(schedule, datetime(2026, 11, 23, tzinfo=UTC), 3)
    assert {(b - a).days for a, b in zip(ticks, ticks[1:], strict=False)} == {7}


def test_schedules_follow_their_configured_time_zone_across_daylight_saving():
    schedules = _berlin_schedules()
    nightly = schedules["nightly_warehouse"]
    assert nightly.execution_timezone == "Europe/Berlin"
    winter = _next_ticks(nightly, datetime(2026, 11, 23, 12, tzinfo=UTC), 1)[0]
    summer = _next_ticks(nightly, datetime(2026, 7, 1, 12, tzinfo=UTC), 1)[0]
    assert winter.astimezone(UTC).hour == 1 and summer.astimezone(UTC).hour == 0  # 02:00 local both times
    assert winter.astimezone(BERLIN).hour == summer.astimezone(BERLIN).hour == 2
    clv = schedules["clv_weekly_refit"]
    assert clv.execution_timezone == "America/New_York"
    tick = _next_ticks(clv, datetime(2026, 11, 23, 12, tzinfo=UTC), 1)[0]
    assert tick.astimezone(ZoneInfo("America/New_York")).hour == 5 and tick.weekday() == 0


def test_schedules_start_only_when_automation_is_switched_on(monkeypatch):
    monkeypatch.delenv("CDW_AUTOMATION", raising=False)
    stopped = {s.name: s.default_status for s in build_schedules(parse_config({}))}
    assert set(stopped.values()) == {dg.DefaultScheduleStatus.STOPPED}, "opening the UI must not start schedules"
    config = parse_config({"start_automation": True, "schedules": {"nightly_warehouse": {"enabled": False}}})
    schedules = {s.name: s for s in build_schedules(config)}
    assert schedules["nightly_warehouse"].default_status == dg.DefaultScheduleStatus.STOPPED
    assert schedules["activation_lane"].default_status == dg.DefaultScheduleStatus.RUNNING
    monkeypatch.setenv("CDW_AUTOMATION", "on")
    assert {s.default_status for s in build_schedules(parse_config({}))} == {dg.DefaultScheduleStatus.RUNNING}
