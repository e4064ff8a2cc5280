"""Syncs and destinations as configuration: load, resolve credentials, validate.

Two YAML files describe reverse ETL (see ``activation/README.md`` for the full format):

* ``destinations.yml``: the marketing tools, their ids, and credentials as ``${ENV_VAR}``
  references only (a literal credential is refused, so a key can never be committed by accident);
* ``syncs.yml``: which audience relation goes to which destination, with field mapping, mode,
  the consent it requires, a schedule hint and governance settings.

Validation here is static (names, enums, references). What needs the warehouse (columns of the
audience, governance results) is checked when a sync runs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from activation.credentials import Secret, is_reference, resolve

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_SYNCS_FILE = PACKAGE_DIR / "syncs.yml"
DEFAULT_DESTINATIONS_FILE = PACKAGE_DIR / "destinations.yml"
SYNCS_ENV = "CDW_ACTIVATION_SYNCS"
DESTINATIONS_ENV = "CDW_ACTIVATION_DESTINATIONS"

MODES = ("upsert", "mirror", "append")
CONSENTS = ("email", "sms", "ads", "none")
DESTINATION_TYPES = ("klaviyo", "mailchimp", "meta", "google_ads", "webhook", "files")
# Destinations whose API answers with asynchronous jobs that are polled (``job_polling:``).
POLLING_TYPES = ("klaviyo",)
# Settings that are credentials: they must be ${...} references, never literals.
SECRET_KEYS = frozenset({"api_key", "access_token", "secret", "developer_token", "client_secret",
                         "refresh_token", "password", "token"})
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
RELATION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


class ConfigError(ValueError):
    """The activation configuration is invalid; the message says where and why."""


@dataclass(frozen=True)
class DeliverySettings:
    """Retry, timeout and batch-size settings for one destination."""

    max_attempts: int = 5          # HTTP attempts per request (first try included)
    base_delay: float = 1.0        # seconds; exponential backoff base
    max_delay: float = 60.0        # cap of one backoff wait
    max_retry_after: float = 300.0  # a Retry-After longer than this stops the run (retried next run)
    timeout: float = 30.0          # seconds to wait for a response
    batch_size: int | None = None  # records per request; clamped to the API's own limit

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None, where: str) -> DeliverySettings:
        raw = dict(raw or {})
        known = set(cls.__dataclass_fields__)
        unknown = set(raw) - known
        if unknown:
            raise ConfigError(f"{where}: unknown delivery setting(s) {sorted(unknown)}; known: {sorted(known)}")
        try:
            settings = cls(**raw)
        except TypeError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        if settings.max_attempts < 1:
            raise ConfigError(f"{where}: max_attempts must be at least 1")
        if settings.batch_size is not None and settings.batch_size < 1:
            raise ConfigError(f"{where}: batch_size must be at least 1")
        if min(settings.base_delay, settings.max_delay, settings.timeout) < 0:
            raise ConfigError(f"{where}: delays and timeout cannot be negative")
        return settings


@dataclass(frozen=True)
class JobPolling:
    """How long to wait for an asynchronous job: the first wait, its growth, its cap, the overall limit."""

    interval: float = 1.0      # seconds before the first status check
    backoff: float = 1.5       # each later wait is this many times the previous one ...
    max_interval: float = 15.0  # ... but never longer than this
    timeout: float = 600.0     # give up (the job's records stay unaccepted) after this many seconds

    @classmethod
    def from_mapping(cls, raw: Any, where: str) -> JobPolling:
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: job_polling must be a mapping of {sorted(cls.__dataclass_fields__)}")
        unknown = set(raw) - set(cls.__dataclass_fields__)
        if unknown:
            raise ConfigError(f"{where}: unknown job_polling setting(s) {sorted(unknown)}; "
                              f"known: {sorted(cls.__dataclass_fields__)}")
        try:
            polling = cls(**{k: float(v) for k, v in raw.items()})
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: job_polling: {exc}") from None
        if min(polling.interval, polling.max_interval, polling.timeout) <= 0 or polling.backoff < 1:
            raise ConfigError(f"{where}: job_polling needs positive interval, max_interval and timeout "
                              "and a backoff of at least 1")
        return polling


@dataclass(frozen=True)
class DestinationConfig:
    """One configured marketing tool. ``settings`` values that were references are :class:`Secret`."""

    name: str
    type: str
    settings: Mapping[str, Any]
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    job_polling: JobPolling = field(default_factory=JobPolling)

    def get(self, key: str, default: Any = None) -> Any:
        """A setting as configured (a :class:`Secret` for references)."""
        return self.settings.get(key, default)

    def text(self, key: str, default: str | None = None) -> str | None:
        """A non-secret setting as text; a reference is resolved (it may hold an id, not a credential)."""
        value = self.settings.get(key, default)
        if isinstance(value, Secret):
            return value.get()
        return None if value is None else str(value)

    def secret(self, key: str) -> Secret:
        value = self.settings.get(key)
        if not isinstance(value, Secret):
            raise ConfigError(f"destination {self.name}: setting {key!r} is required (a ${{ENV_VAR}} reference)")
        return value

    def missing_secrets(self) -> list[str]:
        return [v.reference for v in self.settings.values() if isinstance(v, Secret) and not v.available]


@dataclass(frozen=True)
class FieldMapping:
    """Send audience column ``column`` as destination field ``target``.

    A null value is left out of the payload (the destination keeps what it has) unless
    ``send_nulls`` is true, in which case the null is sent and clears the field.
    """

    target: str
    column: str
    send_nulls: bool = False


@dataclass(frozen=True)
class SyncConfig:
    """One audience -> destination sync."""

    name: str
    audience: str
    destination: str
    mode: str
    consent: str
    fields: tuple[FieldMapping, ...] = ()
    schedule: str | None = None
    require_governance_check: bool = True
    remove_on_consent_loss: bool = True
    max_record_attempts: int = 3
    trigger_window_hours: float | None = None
    description: str = ""

    @property
    def relation(self) -> str:
        """The audience as ``schema.table`` (``main`` when no schema is given)."""
        return self.audience if "." in self.audience else f"main.{self.audience}"

    @property
    def is_trigger(self) -> bool:
        return self.mode == "append"


@dataclass(frozen=True)
class ActivationConfig:
    destinations: Mapping[str, DestinationConfig]
    syncs: Mapping[str, SyncConfig]

    def sync(self, name: str) -> SyncConfig:
        try:
            return self.syncs[name]
        except KeyError:
            raise ConfigError(f"no sync named {name!r}; configured: {sorted(self.syncs)}") from None

    def destination_for(self, sync: SyncConfig) -> DestinationConfig:
        return self.destinations[sync.destination]


def _read_yaml(path: Path, key: str) -> Any:
    if not path.is_file():
        raise ConfigError(f"{path} does not exist")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or key not in data:
        raise ConfigError(f"{path}: expected a top-level {key!r} key")
    return data[key]


def _settings(name: str, raw: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for key, value in raw.items():
        if key in SECRET_KEYS and not is_reference(value):
            raise ConfigError(f"destination {name}: {key!r} must be a ${{ENV_VAR}} or ${{file:PATH}} reference, "
                              "not a literal credential")
        settings[key] = resolve(value, env) if is_reference(value) else value
    return settings


def parse_destinations(raw: Any, env: Mapping[str, str] | None = None) -> dict[str, DestinationConfig]:
    """Destinations from their YAML mapping ``{name: {type: ..., ...settings, delivery: {...}}}``."""
    env = os.environ if env is None else env
    if not isinstance(raw, dict):
        raise ConfigError("destinations must be a mapping of name -> settings")
    out: dict[str, DestinationConfig] = {}
    for name, body in raw.items():
        if not isinstance(name, str) or not NAME.match(name):
            raise ConfigError(f"destination name {name!r} must be lowercase letters, digits and _")
        if not isinstance(body, dict):
            raise ConfigError(f"destination {name}: expected a mapping")
        body = dict(body)
        kind = body.pop("type", None)
        if kind not in DESTINATION_TYPES:
            raise ConfigError(f"destination {name}: type must be one of {DESTINATION_TYPES}, got {kind!r}")
        delivery = DeliverySettings.from_mapping(body.pop("delivery", None), f"destination {name}")
        if "job_polling" in body and kind not in POLLING_TYPES:
            raise ConfigError(f"destination {name}: job_polling applies to {POLLING_TYPES} destinations only")
        polling = JobPolling.from_mapping(body.pop("job_polling", None), f"destination {name}")
        out[name] = DestinationConfig(name=name, type=kind, settings=_settings(name, body, env), delivery=delivery,
                                      job_polling=polling)
    return out


def _mapping(sync: str, raw: Any) -> tuple[FieldMapping, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise ConfigError(f"sync {sync}: fields must be a mapping of destination_field: column")
    fields = []
    for target, spec in raw.items():
        if isinstance(spec, str):
            fields.append(FieldMapping(target=str(target), column=spec))
        elif isinstance(spec, dict) and isinstance(spec.get("column"), str):
            extra = set(spec) - {"column", "send_nulls"}
            if extra:
                raise ConfigError(f"sync {sync}: field {target}: unknown key(s) {sorted(extra)}")
            fields.append(FieldMapping(target=str(target), column=spec["column"],
                                       send_nulls=bool(spec.get("send_nulls", False))))
        else:
            raise ConfigError(f"sync {sync}: field {target} must be a column name or {{column:, send_nulls:}}")
        if not RELATION.match(fields[-1].column) or "." in fields[-1].column:
            raise ConfigError(f"sync {sync}: field {target}: {fields[-1].column!r} is not a column name")
    return tuple(fields)


def parse_syncs(raw: Any, destinations: Mapping[str, DestinationConfig]) -> dict[str, SyncConfig]:
    """Syncs from their YAML list; checks names, enums and that each destination exists."""
    if not isinstance(raw, list):
        raise ConfigError("syncs must be a list")
    out: dict[str, SyncConfig] = {}
    allowed = set(SyncConfig.__dataclass_fields__)
    for body in raw:
        if not isinstance(body, dict):
            raise ConfigError("each sync must be a mapping")
        name = body.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            raise ConfigError(f"sync name {name!r} must be lowercase letters, digits and _")
        if name in out:
            raise ConfigError(f"sync {name} is defined twice")
        unknown = set(body) - allowed
        if unknown:
            raise ConfigError(f"sync {name}: unknown key(s) {sorted(unknown)}")
        for key in ("audience", "destination", "mode", "consent"):
            if not body.get(key):
                raise ConfigError(f"sync {name}: {key!r} is required")
        if not RELATION.match(str(body["audience"])):
            raise ConfigError(f"sync {name}: audience must be a relation name like marts.aud_vip")
        if body["destination"] not in destinations:
            raise ConfigError(f"sync {name}: destination {body['destination']!r} is not configured "
                              f"(configured: {sorted(destinations)})")
        if body["mode"] not in MODES:
            raise ConfigError(f"sync {name}: mode must be one of {MODES}")
        if body["consent"] not in CONSENTS:
            raise ConfigError(f"sync {name}: consent must be one of {CONSENTS}")
        values = dict(body)
        values["fields"] = _mapping(name, body.get("fields"))
        targets = [f.target for f in values["fields"]]
        if len(set(targets)) != len(targets):
            raise ConfigError(f"sync {name}: a destination field is mapped twice")
        sync = SyncConfig(**values)
        if sync.max_record_attempts < 1:
            raise ConfigError(f"sync {name}: max_record_attempts must be at least 1")
        out[name] = sync
    return out


def load_config(syncs_file: str | Path | None = None, destinations_file: str | Path | None = None,
                env: Mapping[str, str] | None = None) -> ActivationConfig:
    """Load both files (defaults: ``$CDW_ACTIVATION_*`` or the examples beside this module)."""
    env = os.environ if env is None else env
    dest_path = Path(destinations_file or env.get(DESTINATIONS_ENV) or DEFAULT_DESTINATIONS_FILE)
    sync_path = Path(syncs_file or env.get(SYNCS_ENV) or DEFAULT_SYNCS_FILE)
    destinations = parse_destinations(_read_yaml(dest_path, "destinations"), env)
    syncs = parse_syncs(_read_yaml(sync_path, "syncs"), destinations)
    return ActivationConfig(destinations=destinations, syncs=syncs)
