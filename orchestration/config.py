"""Orchestration settings (``config/orchestration.yml``): schedules, the activation lane, freshness, alerts.

The file is validated once at load time by typed models (:mod:`core.config`), so a wrong cron,
time zone, duration or an unknown key stops the code location from loading with a message naming
the setting, instead of failing at 2 a.m.; callers read the dataclasses below.
"""

import fnmatch
import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, field_validator, model_validator

from core.config import ConfigFileError, StrictModel, load_yaml_model, validate_mapping
from core.settings import REPO_ROOT

CONFIG_PATH = REPO_ROOT / "config" / "orchestration.yml"
CONFIG_ENV = "CDW_ORCHESTRATION_CONFIG"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class OrchestrationConfigError(ConfigFileError):
    """``config/orchestration.yml`` is not valid; the message names the file and the setting."""


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
DEFAULT_LABEL = "config/orchestration.yml"


# -- the file, as typed models --------------------------------------------------------------------


def _checked(check: Any) -> Any:
    """A validator from a ``check(value, where)`` helper above (its message, without the location)."""
    def validate(value: Any) -> Any:
        try:
            return check(value, "")
        except OrchestrationConfigError as error:
            raise ValueError(str(error).removeprefix(": ")) from None
    return validate


Duration = Annotated[timedelta, BeforeValidator(_checked(parse_duration))]
TimeZone = Annotated[str, BeforeValidator(_checked(_timezone))]
Cron = Annotated[str, BeforeValidator(_checked(_cron))]


class _Settings(StrictModel):
    """A section of the file; a key left empty (``schedules:``) takes its defaults."""

    @model_validator(mode="before")
    @classmethod
    def _empty_is_default(cls, data: Any) -> Any:
        return {k: v for k, v in data.items() if v is not None} if isinstance(data, dict) else data


class _Schedule(_Settings):
    cron: Cron | None = None
    timezone: TimeZone | None = None
    enabled: bool = True


class _LaneSchedule(_Schedule):
    @field_validator("cron")
    @classmethod
    def _no_cron(cls, cron: str | None) -> str | None:
        if cron is not None:
            raise ValueError("set activation_lane.interval_minutes instead")
        return cron


class _Schedules(_Settings):
    nightly_warehouse: _Schedule = _Schedule()
    activation_lane: _LaneSchedule = _LaneSchedule()
    clv_weekly_refit: _Schedule = _Schedule()


class _Lane(_Settings):
    interval_minutes: int = 15
    systems: tuple[str, ...] = ("shopify",)
    syncs: tuple[str, ...] = ()  # empty: every trigger (append-mode) sync
    dbt_tag: str = "activation_lane"

    @field_validator("interval_minutes")
    @classmethod
    def _divides_an_hour(cls, minutes: int) -> int:
        if minutes < 1 or 60 % minutes:
            raise ValueError(f"must divide 60, got {minutes}")
        return minutes


class _Freshness(_Settings):
    default: Duration = timedelta(hours=26)
    sources: dict[str, Duration] = {}
    evaluate_every: Duration = timedelta(minutes=5)


class _Landing(_Settings):
    enabled: bool = True
    interval: Duration = timedelta(seconds=30)
    settle: Duration = timedelta(seconds=10)


class _Toggle(_Settings):
    enabled: bool = True


class _Sensors(_Settings):
    landing: _Landing = _Landing()
    run_failure: _Toggle = _Toggle()


class _Alerts(_Settings):
    directory: str = "alerts"
    webhook_url_env: str = "CDW_ALERT_WEBHOOK_URL"


class _OrchestrationFile(_Settings):
    timezone: TimeZone = "UTC"
    default_owner: str = "team:data-platform"
    schedules: _Schedules = _Schedules()
    activation_lane: _Lane = _Lane()
    freshness: _Freshness = _Freshness()
    sensors: _Sensors = _Sensors()
    alerts: _Alerts = _Alerts()
    start_automation: bool = False

    @field_validator("default_owner")
    @classmethod
    def _owner(cls, owner: str) -> str:
        if not (owner.startswith("team:") or "@" in owner):
            raise ValueError(f"must be an e-mail or 'team:<name>', got {owner!r}")
        return owner


def _build(spec: _OrchestrationFile) -> OrchestrationConfig:
    lane = LaneSettings(interval_minutes=spec.activation_lane.interval_minutes,
                        systems=tuple(spec.activation_lane.systems) or ("shopify",),
                        syncs=tuple(spec.activation_lane.syncs), dbt_tag=spec.activation_lane.dbt_tag)
    schedules = {}
    for name in ("nightly_warehouse", "activation_lane", "clv_weekly_refit"):
        schedule: _Schedule = getattr(spec.schedules, name)
        cron = lane.cron if name == "activation_lane" else schedule.cron or SCHEDULE_DEFAULTS[name]
        schedules[name] = ScheduleSettings(cron=cron, timezone=schedule.timezone or spec.timezone,
                                           enabled=schedule.enabled)
    fresh = spec.freshness
    landing = spec.sensors.landing
    return OrchestrationConfig(
        timezone=spec.timezone, default_owner=spec.default_owner, schedules=schedules, lane=lane,
        freshness=FreshnessSettings(default=fresh.default, sources=dict(fresh.sources),
                                    evaluate_every=fresh.evaluate_every),
        sensors=SensorSettings(landing_enabled=landing.enabled, landing_interval=landing.interval,
                               landing_settle=landing.settle, run_failure_enabled=spec.sensors.run_failure.enabled),
        alerts=AlertSettings(directory=spec.alerts.directory, webhook_url_env=spec.alerts.webhook_url_env),
        start_automation=_automation(spec.start_automation),
    )


def _automation(configured: bool) -> bool:
    """``start_automation``, unless ``$CDW_AUTOMATION`` (on/off) says otherwise for this environment."""
    override = os.environ.get(AUTOMATION_ENV, "").strip().lower()
    if not override:
        return configured
    if override not in ("on", "off", "true", "false", "1", "0"):
        raise OrchestrationConfigError(f"${AUTOMATION_ENV} must be on or off, got {override!r}")
    return override in ("on", "true", "1")


def parse_config(raw: dict[str, Any] | None, *, label: str = DEFAULT_LABEL) -> OrchestrationConfig:
    """Validate the YAML mapping; every problem names its setting."""
    return _build(validate_mapping(raw or {}, _OrchestrationFile, label, error=OrchestrationConfigError))


def read_config(path: Path) -> OrchestrationConfig:
    return _build(load_yaml_model(path, _OrchestrationFile, error=OrchestrationConfigError))


@cache
def load_config() -> OrchestrationConfig:
    """The settings in force: ``$CDW_ORCHESTRATION_CONFIG`` or ``config/orchestration.yml``."""
    return read_config(Path(os.environ.get(CONFIG_ENV) or CONFIG_PATH))
