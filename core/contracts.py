"""The raw landing contracts (``ingestion/contracts/*.yml``) as typed objects.

They are the one description of every raw table: the generator, the connectors, the file-drop
readers, the quarantine, the dbt sources and the landing expectations all read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field

from core.config import ConfigFileError, StrictModel, load_yaml_model
from core.settings import CONTRACTS_DIR

LANDED_TYPES = {"text", "bigint", "double", "boolean"}
FORMATS = {"email", "timestamp", "decimal"}


class ContractError(ConfigFileError):
    """A contract file is not well formed; the message names the file and the key."""


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


class _ColumnSpec(StrictModel):
    type: Literal["text", "bigint", "double", "boolean"]
    required: bool = False
    format: Literal["email", "timestamp", "decimal"] | None = None
    min: float | None = None


class _TableSpec(StrictModel):
    description: str = ""
    primary_key: list[str]
    cursor: str | None = None
    columns: dict[str, _ColumnSpec]


class _ContractFile(StrictModel):
    system: str
    schema_name: str = Field(alias="schema")
    vendor: str = ""
    channel: str = ""
    tables: dict[str, _TableSpec]


def _table(spec: _ContractFile, name: str, table: _TableSpec, where: str) -> Table:
    columns = tuple(Column(name=c, type=s.type, required=s.required, format=s.format, min=s.min)
                    for c, s in table.columns.items())
    missing = [k for k in table.primary_key if k not in table.columns]
    if missing:
        raise ContractError(f"{where}: primary key columns {missing} are not declared")
    if table.cursor is not None and table.cursor not in table.columns:
        raise ContractError(f"{where}: cursor {table.cursor!r} is not a declared column")
    return Table(system=spec.system, schema=spec.schema_name, name=name, description=table.description,
                 primary_key=tuple(table.primary_key), cursor=table.cursor, columns=columns)


def parse_contract(path: Path) -> SystemContract:
    """One contract file; :class:`ContractError` names the file, table and column of any problem."""
    spec = load_yaml_model(path, _ContractFile, label=path.name, error=ContractError)
    tables = tuple(_table(spec, name, table, f"{path.name}: tables.{name}") for name, table in spec.tables.items())
    return SystemContract(system=spec.system, schema=spec.schema_name, vendor=spec.vendor, channel=spec.channel,
                          tables=tables)


@cache
def load_contracts(directory: Path = CONTRACTS_DIR) -> dict[str, SystemContract]:
    """All system contracts keyed by system name (shopify, amazon, klaviyo, zendesk)."""
    return {c.system: c for c in (parse_contract(p) for p in sorted(directory.glob("*.yml")))}


def all_tables() -> list[Table]:
    return [t for contract in load_contracts().values() for t in contract.tables]
