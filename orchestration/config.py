"""Orchestration settings (``config/orchestration.yml``): schedules, the activation lane, freshness, alerts.

Dataclasses, validated once at load time so a wrong cron, time zone or duration stops the code
location from loading with a message naming the setting, instead of failing at 2 a.m.
"""

import fnmatch
import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from core.settings import REPO_ROOT

CONFIG_PATH = REPO_ROOT / "config" / "orchestration.yml"
CONFIG_ENV = "CDW_ORCHESTRATION_CONFIG"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class OrchestrationConfigError(ValueError):
    """``config/orchestration.yml`` is not valid; the message names the setting."""


def parse_duration(value: Any, where: str) -> timedelta:
    """``"90s"``, ``"45m"``, ``"26h"``, ``"7d"`` (or a number of seconds) as a timedelta."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=float(value))
    match = _DURATION.match(str(value))
    if not match:
        raise OrchestrationConfigError(f"{where}: {value!r} is not a duration like 90s, 45m, 26h or 7d")
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


def _timezone(value: Any, where: str) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise OrchestrationConfigError(f"{where}: {value!r} is not an IANA time zone (e.g. Europe/Berlin)") from None
    return str(value)


def _cron(value: Any, where: str) -> str:
    # Five fields here; Dagster validates each field when the schedule is defined.
    if not isinstance(value, str) or len(value.split()) != 5:
        raise OrchestrationConfigError(f"{where}: {value!r} is not a cron expression")
    return value


@dataclass(frozen=True)
class ScheduleSettings:
    cron: str
    timezone: str
    enabled: bool = True


@dataclass(frozen=True)
class LaneSettings:
    interval_minutes: int = 15
    systems: tuple[str, ...] = ("shopify",)
    syncs: tuple[str, ...] = ()  # empty: every trigger (append-mode) sync
    dbt_tag: str = "activation_lane"

    @property
    def cron(self) -> str:
        return f"*/{self.interval_minutes} * * * *" if self.interval_minutes < 60 else "0 * * * *"


@dataclass(frozen=True)
class FreshnessSettings:
    default: timedelta = timedelta(hours=26)
    sources: dict[str, timedelta] = field(default_factory=dict)
    evaluate_every: timedelta = timedelta(minutes=5)

    def max_lag(self, asset_path: str) -> timedelta:
        """Threshold for ``asset_path`` (``raw_shopify/orders``): the most specific matching pattern wins."""
        matches = [(len(p.replace("*", "")), lag) for p, lag in self.sources.items()
                   if fnmatch.fnmatchcase(asset_path, p)]
        return max(matches, key=lambda m: m[0])[1] if matches else self.default


@dataclass(frozen=True)
class SensorSettings:
    landing_enabled: bool = True
    landing_interval: timedelta = timedelta(seconds=30)
    landing_settle: timedelta = timedelta(seconds=10)
    run_failure_enabled: bool = True


@dataclass(frozen=True)
class AlertSettings:
    directory: str = "alerts"
    webhook_url_env: str = "CDW_ALERT_WEBHOOK_URL"

    def webhook_url(self, env: dict[str, str] | None = None) -> str | None:
        return ((env if env is not None else os.environ).get(self.webhook_url_env) or "").strip() or None


@dataclass(frozen=True)
class OrchestrationConfig:
    timezone: str
    default_owner: str
    schedules: dict[str, ScheduleSettings]
    lane: LaneSettings
    freshness: FreshnessSettings
    sensors: SensorSettings
    alerts: AlertSettings
    start_automation: bool = False
    """Whether schedules and the landing sensor run as soon as an instance first loads them."""

    def starts(self, enabled: bool) -> bool:
        """Default running state of a schedule or run-starting sensor: enabled *and* automation starts."""
        return enabled and self.start_automation

    def schedule(self, name: str) -> ScheduleSettings:
        try:
            return self.schedules[name]
        except KeyError:
            raise OrchestrationConfigError(f"schedules.{name} is not configured") from None


AUTOMATION_ENV = "CDW_AUTOMATION"
SCHEDULE_DEFAULTS = {"nightly_warehouse": "0 2 * * *", "clv_weekly_refit": "0 5 * * 1"}


def parse_config(raw: dict[str, Any]) -> OrchestrationConfig:
    """Validate the YAML mapping; every problem names its setting."""
    raw = raw or {}
    zone = _timezone(raw.get("timezone", "UTC"), "timezone")
    owner = str(raw.get("default_owner", "team:data-platform"))
    if not (owner.startswith("team:") or "@" in owner):
        raise OrchestrationConfigError(f"default_owner must be an e-mail or 'team:<name>', got {owner!r}")

    lane_raw = raw.get("activation_lane") or {}
    interval = int(lane_raw.get("interval_minutes", 15))
    if interval < 1 or 60 % interval:
        raise OrchestrationConfigError(f"activation_lane.interval_minutes must divide 60, got {interval}")
    lane = LaneSettings(interval_minutes=interval, systems=tuple(lane_raw.get("systems") or ("shopify",)),
                        syncs=tuple(lane_raw.get("syncs") or ()),
                        dbt_tag=str(lane_raw.get("dbt_tag", "activation_lane")))

    schedules: dict[str, ScheduleSettings] = {}
    schedules_raw = raw.get("schedules") or {}
    for name in ("nightly_warehouse", "activation_lane", "clv_weekly_refit"):
        spec = schedules_raw.get(name) or {}
        where = f"schedules.{name}"
        if name == "activation_lane":
            if "cron" in spec:
                raise OrchestrationConfigError(f"{where}.cron: set activation_lane.interval_minutes instead")
            cron = lane.cron
        else:
            cron = _cron(spec.get("cron", SCHEDULE_DEFAULTS[name]), f"{where}.cron")
        timezone = _timezone(spec.get("timezone", zone), f"{where}.timezone")
        schedules[name] = ScheduleSettings(cron=cron, timezone=timezone, enabled=bool(spec.get("enabled", True)))
    unknown = set(schedules_raw) - set(schedules)
    if unknown:
        raise OrchestrationConfigError(f"schedules: unknown schedule(s) {sorted(unknown)}; known: {sorted(schedules)}")

    fresh_raw = raw.get("freshness") or {}
    freshness = FreshnessSettings(
        default=parse_duration(fresh_raw.get("default", "26h"), "freshness.default"),
        sources={str(pattern): parse_duration(lag, f"freshness.sources.{pattern}")
                 for pattern, lag in (fresh_raw.get("sources") or {}).items()},
        evaluate_every=parse_duration(fresh_raw.get("evaluate_every", "5m"), "freshness.evaluate_every"),
    )

    sensors_raw = raw.get("sensors") or {}
    landing = sensors_raw.get("landing") or {}
    failure = sensors_raw.get("run_failure") or {}
    sensors = SensorSettings(
        landing_enabled=bool(landing.get("enabled", True)),
        landing_interval=parse_duration(landing.get("interval", "30s"), "sensors.landing.interval"),
        landing_settle=parse_duration(landing.get("settle", "10s"), "sensors.landing.settle"),
        run_failure_enabled=bool(failure.get("enabled", True)),
    )
    alerts_raw = raw.get("alerts") or {}
    alerts = AlertSettings(directory=str(alerts_raw.get("directory", "alerts")),
                           webhook_url_env=str(alerts_raw.get("webhook_url_env", "CDW_ALERT_WEBHOOK_URL")))
    start = raw.get("start_automation", False)
    override = os.environ.get(AUTOMATION_ENV, "").strip().lower()
    if override:
        if override not in ("on", "off", "true", "false", "1", "0"):
            raise OrchestrationConfigError(f"${AUTOMATION_ENV} must be on or off, got {override!r}")
        start = override in ("on", "true", "1")
    if not isinstance(start, bool):
        raise OrchestrationConfigError(f"start_automation must be true or false, got {start!r}")
    return OrchestrationConfig(timezone=zone, default_owner=owner, schedules=schedules, lane=lane,
                               freshness=freshness, sensors=sensors, alerts=alerts, start_automation=start)


def read_config(path: Path) -> OrchestrationConfig:
    if not path.is_file():
        raise OrchestrationConfigError(f"{path} does not exist")
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise OrchestrationConfigError(f"{path} is not valid YAML: {exc}") from None
    return parse_config(raw)


@cache
def load_config() -> OrchestrationConfig:
    """The settings in force: ``$CDW_ORCHESTRATION_CONFIG`` or ``config/orchestration.yml``."""
    return read_config(Path(os.environ.get(CONFIG_ENV) or CONFIG_PATH))
