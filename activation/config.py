"""Syncs and destinations as configuration: load, resolve credentials, validate.

Two YAML files describe reverse ETL (see ``activation/README.md`` for the full format):

* ``destinations.yml``: the marketing tools, their ids, and credentials as ``${ENV_VAR}``
  references only (a literal credential is refused, so a key can never be committed by accident);
* ``syncs.yml``: which audience relation goes to which destination, with field mapping, mode,
  the consent it requires, a schedule hint and governance settings.

Both load through typed models (:mod:`core.config`): an unknown key, a wrong type or value is
refused with the file, the destination or sync and the key named. Validation here is static
(names, enums, references). What needs the warehouse (columns of the audience, governance
results) is checked when a sync runs.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from activation.credentials import Secret, is_reference, resolve
from core.config import ConfigFileError, StrictModel, load_yaml_model, validate_mapping

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


class ConfigError(ConfigFileError):
    """The activation configuration is invalid; the message says where and why."""


@pydantic_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class DeliverySettings:
    """Retry, timeout and batch-size settings for one destination (the ``delivery:`` block)."""

    max_attempts: int = Field(5, ge=1)  # HTTP attempts per request (first try included)
    base_delay: float = Field(1.0, ge=0)  # seconds; exponential backoff base
    max_delay: float = Field(60.0, ge=0)  # cap of one backoff wait
    max_retry_after: float = Field(300.0, ge=0)  # a longer Retry-After stops the run (retried next run)
    timeout: float = Field(30.0, ge=0)  # seconds to wait for a response
    batch_size: int | None = Field(None, ge=1)  # records per request; clamped to the API's own limit


@pydantic_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class JobPolling:
    """How long to wait for an asynchronous job: the first wait, its growth, its cap, the overall limit."""

    interval: float = Field(1.0, gt=0)  # seconds before the first status check
    backoff: float = Field(1.5, ge=1)  # each later wait is this many times the previous one ...
    max_interval: float = Field(15.0, gt=0)  # ... but never longer than this
    timeout: float = Field(600.0, gt=0)  # give up (the job's records stay unaccepted) after this many seconds


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


# -- the files, as typed models -------------------------------------------------------------------


class _DestinationSpec(BaseModel):
    """One destination as written; the keys beyond these are the vendor's settings."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: Literal[DESTINATION_TYPES]  # type: ignore[valid-type]
    delivery: DeliverySettings = DeliverySettings()
    job_polling: JobPolling | None = None


def _field_mappings(raw: Any) -> tuple[FieldMapping, ...]:
    """``{target: column}`` or ``{target: {column:, send_nulls:}}`` as field mappings."""
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise ValueError("must be a mapping of destination_field: column")
    fields = []
    for target, spec in raw.items():
        if isinstance(spec, str):
            fields.append(FieldMapping(target=str(target), column=spec))
        elif isinstance(spec, dict) and isinstance(spec.get("column"), str):
            extra = set(spec) - {"column", "send_nulls"}
            if extra:
                raise ValueError(f"field {target}: unknown key(s) {sorted(extra)}")
            fields.append(FieldMapping(target=str(target), column=spec["column"],
                                       send_nulls=bool(spec.get("send_nulls", False))))
        else:
            raise ValueError(f"field {target} must be a column name or {{column:, send_nulls:}}")
        if not RELATION.match(fields[-1].column) or "." in fields[-1].column:
            raise ValueError(f"field {target}: {fields[-1].column!r} is not a column name")
    targets = [f.target for f in fields]
    if len(set(targets)) != len(targets):
        raise ValueError("a destination field is mapped twice")
    return tuple(fields)


class _SyncSpec(StrictModel):
    """One sync as written (see ``syncs.yml``)."""

    name: str
    audience: str
    destination: str
    mode: Literal[MODES]  # type: ignore[valid-type]
    consent: Literal[CONSENTS]  # type: ignore[valid-type]
    fields: Annotated[tuple[FieldMapping, ...], BeforeValidator(_field_mappings)] = ()
    schedule: str | None = None
    require_governance_check: bool = True
    remove_on_consent_loss: bool = True
    max_record_attempts: int = Field(3, ge=1)
    trigger_window_hours: float | None = Field(None, gt=0)
    description: str = ""

    @field_validator("audience")
    @classmethod
    def _relation(cls, audience: str) -> str:
        if not RELATION.match(audience):
            raise ValueError(f"must be a relation name like marts.aud_vip, got {audience!r}")
        return audience


class _DestinationsFile(StrictModel):
    destinations: dict[str, Any]


class _SyncsFile(StrictModel):
    syncs: list[Any]


# -- parsing ---------------------------------------------------------------------------------------


def _name(kind: str, name: object) -> str:
    if not isinstance(name, str) or not NAME.match(name):
        raise ConfigError(f"{kind} name {name!r} must be lowercase letters, digits and _")
    return name


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
        where = f"destination {_name('destination', name)}"
        spec = validate_mapping(body, _DestinationSpec, where, error=ConfigError)
        if spec.job_polling is not None and spec.type not in POLLING_TYPES:
            raise ConfigError(f"{where}: job_polling applies to {POLLING_TYPES} destinations only")
        out[name] = DestinationConfig(name=name, type=spec.type, settings=_settings(name, spec.model_extra or {}, env),
                                      delivery=spec.delivery, job_polling=spec.job_polling or JobPolling())
    return out


def parse_syncs(raw: Any, destinations: Mapping[str, DestinationConfig]) -> dict[str, SyncConfig]:
    """Syncs from their YAML list; checks names, enums and that each destination exists."""
    if not isinstance(raw, list):
        raise ConfigError("syncs must be a list")
    out: dict[str, SyncConfig] = {}
    for body in raw:
        if not isinstance(body, dict):
            raise ConfigError("each sync must be a mapping")
        name = _name("sync", body.get("name"))
        if name in out:
            raise ConfigError(f"sync {name} is defined twice")
        spec = validate_mapping(body, _SyncSpec, f"sync {name}", error=ConfigError)
        if spec.destination not in destinations:
            raise ConfigError(f"sync {name}: destination {spec.destination!r} is not configured "
                              f"(configured: {sorted(destinations)})")
        out[name] = SyncConfig(**{f.name: getattr(spec, f.name) for f in dataclasses.fields(SyncConfig)})
    return out


def _load(path: Path, model: type[Any], parse: Any) -> Any:
    """Read one file as ``model`` and parse it; errors name the file."""
    spec = load_yaml_model(path, model, label=str(path), error=ConfigError)
    try:
        return parse(spec)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from None


def load_config(syncs_file: str | Path | None = None, destinations_file: str | Path | None = None,
                env: Mapping[str, str] | None = None) -> ActivationConfig:
    """Load both files (defaults: ``$CDW_ACTIVATION_*`` or the examples beside this module)."""
    env = os.environ if env is None else env
    dest_path = Path(destinations_file or env.get(DESTINATIONS_ENV) or DEFAULT_DESTINATIONS_FILE)
    sync_path = Path(syncs_file or env.get(SYNCS_ENV) or DEFAULT_SYNCS_FILE)
    destinations = _load(dest_path, _DestinationsFile, lambda spec: parse_destinations(spec.destinations, env))
    syncs = _load(sync_path, _SyncsFile, lambda spec: parse_syncs(spec.syncs, destinations))
    return ActivationConfig(destinations=destinations, syncs=syncs)
