"""The raw landing contracts (``ingestion/contracts/*.yml``) as typed objects.

They are the one description of every raw table: the generator, the connectors, the file-drop
readers, the quarantine, the dbt sources and the landing expectations all read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from core.settings import CONTRACTS_DIR

LANDED_TYPES = {"text", "bigint", "double", "boolean"}
FORMATS = {"email", "timestamp", "decimal"}


class ContractError(ValueError):
    """A contract file is not well formed."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    format: str | None = None
    min: float | None = None


@dataclass(frozen=True)
class Table:
    system: str
    schema: str
    name: str
    description: str
    primary_key: tuple[str, ...]
    cursor: str | None
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.qualified_name} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class SystemContract:
    system: str
    schema: str
    vendor: str
    channel: str
    tables: tuple[Table, ...]

    def table(self, name: str) -> Table:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(f"{self.system} has no raw table {name!r}")


def _parse_column(where: str, name: str, spec: dict) -> Column:
    kind = spec.get("type")
    if kind not in LANDED_TYPES:
        raise ContractError(f"{where}.{name}: type must be one of {sorted(LANDED_TYPES)}, got {kind!r}")
    fmt = spec.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise ContractError(f"{where}.{name}: format must be one of {sorted(FORMATS)}, got {fmt!r}")
    unknown = set(spec) - {"type", "required", "format", "min"}
    if unknown:
        raise ContractError(f"{where}.{name}: unknown keys {sorted(unknown)}")
    return Column(name=name, type=kind, required=bool(spec.get("required", False)), format=fmt,
                  min=spec.get("min"))


def parse_contract(path: Path) -> SystemContract:
    doc = yaml.safe_load(path.read_text())
    for key in ("system", "schema", "tables"):
        if key not in doc:
            raise ContractError(f"{path.name}: missing top-level key {key!r}")
    tables = []
    for name, spec in doc["tables"].items():
        where = f"{path.name}:{name}"
        columns = tuple(_parse_column(where, c, s) for c, s in spec["columns"].items())
        names = {c.name for c in columns}
        primary_key = tuple(spec["primary_key"])
        missing = [k for k in primary_key if k not in names]
        if missing:
            raise ContractError(f"{where}: primary key columns {missing} are not declared")
        cursor = spec.get("cursor")
        if cursor is not None and cursor not in names:
            raise ContractError(f"{where}: cursor {cursor!r} is not a declared column")
        tables.append(Table(system=doc["system"], schema=doc["schema"], name=name,
                            description=spec.get("description", ""), primary_key=primary_key,
                            cursor=cursor, columns=columns))
    return SystemContract(system=doc["system"], schema=doc["schema"], vendor=doc.get("vendor", ""),
                          channel=doc.get("channel", ""), tables=tuple(tables))


@cache
def load_contracts(directory: Path = CONTRACTS_DIR) -> dict[str, SystemContract]:
    """All system contracts keyed by system name (shopify, amazon, klaviyo, zendesk)."""
    return {c.system: c for c in (parse_contract(p) for p in sorted(directory.glob("*.yml")))}


def all_tables() -> list[Table]:
    return [t for contract in load_contracts().values() for t in contract.tables]
