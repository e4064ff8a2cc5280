"""Typed configuration files: YAML validated by pydantic models, with errors that name the file and key.

Every settings file of the project loads through :func:`load_yaml_model`, so a typo in a key or a
wrong type stops with ``config/warehouse.yml: systems.shopfy: unknown key`` instead of a stack trace
deep inside a run. :class:`WarehouseSettings` is the run settings file (``config/warehouse.yml``).
"""

from __future__ import annotations

import dataclasses
import os
from functools import cache
from pathlib import Path
from typing import Any, TypeVar, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from core.settings import REPO_ROOT

WAREHOUSE_CONFIG = REPO_ROOT / "config" / "warehouse.yml"
WAREHOUSE_CONFIG_ENV = "CDW_WAREHOUSE_CONFIG"
SYSTEMS_ENV = "CDW_SYSTEMS"

Model = TypeVar("Model")  # a pydantic model or pydantic dataclass


class ConfigFileError(ValueError):
    """A configuration file is missing, not YAML, or does not match its model; the message says where."""


class StrictModel(BaseModel):
    """Base of every settings model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def describe(error: ValidationError, where: str, model: object | None = None) -> str:
    """``file: key.path: problem`` lines from a pydantic error (an unknown key lists the known ones of ``model``)."""
    lines = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"]) or "(top level)"
        problem = _problem(item)
        if item["type"] in _UNKNOWN_KEY and model is not None:
            known = _known_keys(model, item["loc"][:-1])
            problem += f" (known: {', '.join(known)})" if known else ""
        lines.append(f"{where}: {location}: {problem}")
    return "; ".join(lines)


_UNKNOWN_KEY = {"extra_forbidden", "unexpected_keyword_argument"}
_MAPPING_ERRORS = {"dict_type", "model_type", "dataclass_type", "model_attributes_type", "dataclass_exact_type"}


def _problem(item: Any) -> str:
    """One pydantic error in the project's words: unknown keys, allowed values and the value given."""
    kind = item["type"]
    if kind in _UNKNOWN_KEY:
        return "unknown key"
    if kind == "missing":
        return "required"
    if kind in _MAPPING_ERRORS:
        return f"must be a mapping of settings, got {item['input']!r}"
    if kind == "literal_error":
        return f"must be one of {item['ctx']['expected']}, got {item['input']!r}"
    message = str(item["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in {"value_error", "assertion_error"} or isinstance(item["input"], dict | list):
        return message
    return f"{message}, got {item['input']!r}"


def _known_keys(model: object, path: tuple) -> list[str]:
    """The field names of the model found at ``path`` below ``model`` (best effort; [] when unclear)."""
    current: object = model
    for part in path:
        current = _member(current)
        fields = _fields(current)
        if fields:
            current = fields.get(str(part))
        elif get_origin(current) is dict:
            current = get_args(current)[-1]
        elif get_origin(current) in (list, tuple):
            current = get_args(current)[0]
        else:
            return []
    return list(_fields(_member(current)))


def _member(annotation: object) -> object:
    """``Model | None`` -> ``Model``: the union member that has fields or is a container, else the annotation."""
    if get_origin(annotation) in (dict, list, tuple) or _fields(annotation):
        return annotation
    for candidate in get_args(annotation):
        if get_origin(candidate) in (dict, list, tuple) or _fields(candidate):
            return candidate
    return annotation


def _fields(annotation: object) -> dict[str, object]:
    """Field name -> annotation of a pydantic model or (pydantic) dataclass; {} for anything else."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {name: info.annotation for name, info in annotation.model_fields.items()}
    pydantic_fields = getattr(annotation, "__pydantic_fields__", None)
    if isinstance(annotation, type) and pydantic_fields:
        return {name: info.annotation for name, info in pydantic_fields.items()}
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return {f.name: f.type for f in dataclasses.fields(annotation)}
    return {}


def validate_mapping(raw: object, model: type[Model], where: str, *,
                     error: type[ConfigFileError] = ConfigFileError) -> Model:
    """Validate an already-read mapping as ``model``; ``error`` names ``where`` and the key."""
    if not isinstance(raw, dict):
        raise error(f"{where}: expected a mapping of settings, got {type(raw).__name__}")
    try:
        return TypeAdapter(model).validate_python(raw)
    except ValidationError as exc:
        raise error(describe(exc, where, model)) from None


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
    keep_run_records: int = Field(200, ge=1)


class Privacy(StrictModel):
    export_retention_days: int = Field(30, ge=0)


class PublishSettings(StrictModel):
    """How the serving copy is republished (see cdw/publish.py)."""

    compact_free_share: float = Field(0.3, gt=0, le=1)
    storage_version: str = Field("v1.3.0", pattern=r"^v\d+\.\d+\.\d+$")
    patch_min_rows: int = Field(100_000, ge=0)
    patch_max_deleted_share: float = Field(0.2, ge=0, le=1)


class DuckDBSettings(StrictModel):
    """How much of the machine DuckDB may use (see core/resources.py)."""

    memory_limit: str | int = "25%"
    ingest_memory_limit: str | int = "1GB"
    temp_directory: str = ""
    dbt_threads: str | int = "auto"


class ChecksSettings(StrictModel):
    """How the check step shares the machine (see expectations/judging.py)."""

    workers: str | int = "auto"
    parallel_min_rows: int = Field(20_000_000, ge=0)


class DagsterSettings(StrictModel):
    record_cli_runs: bool = True


class WarehouseSettings(StrictModel):
    """``config/warehouse.yml``: systems on or off, degradation thresholds, retention, resources."""

    systems: dict[str, bool] = Field(default_factory=dict)
    degradation: Degradation = Degradation()
    artifacts: Artifacts = Artifacts()
    privacy: Privacy = Privacy()
    publish: PublishSettings = PublishSettings()
    duckdb: DuckDBSettings = DuckDBSettings()
    checks: ChecksSettings = ChecksSettings()
    dagster: DagsterSettings = DagsterSettings()

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
