"""Typed configuration files: YAML validated by pydantic models, with errors that name the file and key.

Every settings file of the project loads through :func:`load_yaml_model`, so a typo in a key or a
wrong type stops with ``config/warehouse.yml: systems.shopfy: unknown key`` instead of a stack trace
deep inside a run. :class:`WarehouseSettings` is the run settings file (``config/warehouse.yml``).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.settings import REPO_ROOT

WAREHOUSE_CONFIG = REPO_ROOT / "config" / "warehouse.yml"
WAREHOUSE_CONFIG_ENV = "CDW_WAREHOUSE_CONFIG"
SYSTEMS_ENV = "CDW_SYSTEMS"

Model = TypeVar("Model", bound=BaseModel)


class ConfigFileError(ValueError):
    """A configuration file is missing, not YAML, or does not match its model; the message says where."""


class StrictModel(BaseModel):
    """Base of every settings model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def describe(error: ValidationError, where: str) -> str:
    """``file: key.path: problem`` lines from a pydantic error."""
    lines = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"]) or "(top level)"
        lines.append(f"{where}: {location}: {_problem(item)}")
    return "; ".join(lines)


def _problem(item: Any) -> str:
    """One pydantic error in the project's words: unknown keys, allowed values and the value given."""
    kind = item["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required"
    if kind == "literal_error":
        return f"must be one of {item['ctx']['expected']}, got {item['input']!r}"
    message = str(item["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in {"value_error", "assertion_error"} or isinstance(item["input"], dict | list):
        return message
    return f"{message}, got {item['input']!r}"


def validate_mapping(raw: object, model: type[Model], where: str, *,
                     error: type[ConfigFileError] = ConfigFileError) -> Model:
    """Validate an already-read mapping as ``model``; ``error`` names ``where`` and the key."""
    if not isinstance(raw, dict):
        raise error(f"{where}: expected a mapping of settings, got {type(raw).__name__}")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise error(describe(exc, where)) from None


def load_yaml_model(path: Path, model: type[Model], *, label: str | None = None,
                    error: type[ConfigFileError] = ConfigFileError) -> Model:
    """Read ``path`` and validate it as ``model``; ``error`` (a :class:`ConfigFileError`) naming the file and key."""
    where = label or _display(path)
    try:
        raw = yaml.safe_load(Path(path).read_text()) or {}
    except FileNotFoundError:
        raise error(f"{where}: file not found") from None
    except yaml.YAMLError as exc:
        raise error(f"{where}: not valid YAML ({exc})") from None
    if not isinstance(raw, dict):
        raise error(f"{where}: expected a mapping of settings at the top level")
    return validate_mapping(raw, model, where, error=error)


def _display(path: Path) -> str:
    try:
        return Path(path).resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


class Degradation(StrictModel):
    max_junk_identifier_share: float = Field(0.5, ge=0, le=1)
    max_match_rate_drop: float = Field(0.2, ge=0, le=1)
    max_landed_rows_drop: float = Field(0.5, ge=0, le=1)
    stale_data_days: int = Field(30, ge=0)


class Artifacts(StrictModel):
    keep_runs: int = Field(5, ge=1)


class Privacy(StrictModel):
    export_retention_days: int = Field(30, ge=0)


class WarehouseSettings(StrictModel):
    """``config/warehouse.yml``: systems on or off, degradation thresholds, retention."""

    systems: dict[str, bool] = Field(default_factory=dict)
    degradation: Degradation = Degradation()
    artifacts: Artifacts = Artifacts()
    privacy: Privacy = Privacy()

    def enabled_systems(self, known: list[str]) -> tuple[str, ...]:
        """Systems switched on (``$CDW_SYSTEMS`` overrides the file); unknown names are an error."""
        override = os.environ.get(SYSTEMS_ENV, "").strip()
        if override:
            chosen = [s.strip() for s in override.split(",") if s.strip()]
            where = f"${SYSTEMS_ENV}"
        else:
            chosen = [s for s in known if self.systems.get(s, True)]
            where = "systems"
        unknown = sorted(set(chosen) - set(known) | set(self.systems) - set(known))
        if unknown:
            raise ConfigFileError(f"{where}: unknown system(s) {', '.join(unknown)}; known: {', '.join(known)}")
        return tuple(s for s in known if s in chosen)


@cache
def _load_settings(path: str) -> WarehouseSettings:
    return load_yaml_model(Path(path), WarehouseSettings)


def warehouse_settings() -> WarehouseSettings:
    """The run settings (``$CDW_WAREHOUSE_CONFIG`` or ``config/warehouse.yml``)."""
    return _load_settings(os.environ.get(WAREHOUSE_CONFIG_ENV, str(WAREHOUSE_CONFIG)))
