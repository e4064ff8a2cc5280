"""What the warehouse has data for: systems and entities with rows, those without, and empty marts.

A seller's first day rarely fills every raw table (an orders export has no refunds, a seller
without Zendesk has no tickets). The run summary says which systems and entities have data,
which have none, and which marts are empty because of it, tracing each empty mart through dbt's
lineage (the manifest of the last build) to the empty raw tables upstream of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from core.contracts import load_contracts
from core.duckdb_files import connect_for_reading
from core.settings import Paths
from core.sql import quote_relation

MART_SCHEMAS = ("marts",)
NEWEST_DATA_SQL = "select max(occurred_at) from marts.fct_events"


@dataclass
class SystemCoverage:
    system: str
    switched_on: bool
    with_data: dict[str, int] = field(default_factory=dict)
    """Raw table (``orders``) -> rows."""
    empty: list[str] = field(default_factory=list)
    quarantined: int = 0


@dataclass
class Coverage:
    systems: dict[str, SystemCoverage] = field(default_factory=dict)
    empty_marts: dict[str, list[str]] = field(default_factory=dict)
    """Empty mart (``marts.fct_returns``) -> the empty raw tables upstream of it (none: no row qualified)."""
    newest_data: datetime | None = None
    readable: bool = True


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int | None:
    schema, name = relation.split(".", 1)
    found = con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                        [schema, name]).fetchall()[0][0]
    if not found:
        return None
    try:
        return con.execute(f"select count(*) from {quote_relation(relation)}").fetchall()[0][0]
    except duckdb.Error:
        return None


DIMENSION_FOLDERS = ("identity", "customers")
"""Model folders that join people to facts (the identity graph): an empty fact mart is not empty
because of them, so the search for the cause does not pass through them."""


def _is_dimension(node: dict[str, Any]) -> bool:
    return any(part in DIMENSION_FOLDERS for part in node.get("fqn", [])[1:-1])


def _upstream_sources(manifest: dict[str, Any], start: str) -> set[str]:
    """The ``schema.table`` of each source ``start`` reads, directly or through other models.

    Unless ``start`` is itself an identity model, the identity graph is not walked through.
    """
    nodes = manifest.get("nodes", {})
    sources = {uid: f"{s['schema']}.{s.get('identifier') or s['name']}"
               for uid, s in manifest.get("sources", {}).items()}
    parents = manifest.get("parent_map") or {uid: n.get("depends_on", {}).get("nodes", []) for uid, n in nodes.items()}
    skip_dimensions = not _is_dimension(nodes.get(start, {}))
    found: set[str] = set()
    seen = {start}
    stack = [start]
    while stack:
        for parent in parents.get(stack.pop(), []):
            if parent in seen:
                continue
            seen.add(parent)
            if parent in sources:
                found.add(sources[parent])
            elif not (skip_dimensions and _is_dimension(nodes.get(parent, {}))):
                stack.append(parent)
    return found


def read_coverage(paths: Paths, switched_on: list[str] | tuple[str, ...] | None = None,
                  manifest_path: Path | None = None) -> Coverage:
    """Coverage of the build warehouse (an unreadable or busy warehouse gives ``readable=False``)."""
    contracts = load_contracts()
    on = set(switched_on if switched_on is not None else contracts)
    result = Coverage()
    if not paths.build_db.exists():
        result.readable = False
        return result
    try:
        con = connect_for_reading(paths.build_db)
    except duckdb.Error:
        result.readable = False
        return result
    try:
        raw_counts: dict[str, int] = {}
        for system, contract in sorted(contracts.items()):
            entry = SystemCoverage(system, system in on)
            for table in contract.tables:
                rows = _count(con, table.qualified_name) or 0
                raw_counts[table.qualified_name] = rows
                if rows:
                    entry.with_data[table.name] = rows
                else:
                    entry.empty.append(table.name)
            entry.quarantined = _count(con, f"{contract.schema}.quarantine") or 0
            result.systems[system] = entry
        manifest_file = manifest_path or paths.home / "dbt" / "target" / "manifest.json"
        if manifest_file.exists():
            manifest = json.loads(manifest_file.read_text())
            for uid, node in manifest.get("nodes", {}).items():
                if node["resource_type"] != "model" or node["schema"] not in MART_SCHEMAS:
                    continue
                relation = f"{node['schema']}.{node.get('alias') or node['name']}"
                if _count(con, relation) == 0:
                    upstream = _upstream_sources(manifest, uid)
                    result.empty_marts[relation] = sorted(s for s in upstream if raw_counts.get(s) == 0)
        try:
            result.newest_data = con.execute(NEWEST_DATA_SQL).fetchall()[0][0]
        except duckdb.Error:
            result.newest_data = None
    finally:
        con.close()
    return result


def why_empty(upstream_empty: list[str], cover: Coverage | None = None, limit: int = 4) -> str:
    """Why a mart is empty, from the empty raw tables upstream of it, grouped by system.

    ``no data from amazon, zendesk; shopify has no refunds, products`` (a system with no data at
    all is named once), or ``no rows qualify (its inputs have data)``.
    """
    if not upstream_empty:
        return "no rows qualify (its inputs have data)"
    by_schema: dict[str, list[str]] = {}
    for relation in upstream_empty:
        schema, _, table = relation.partition(".")
        by_schema.setdefault(schema, []).append(table)
    silent, partial = [], []
    for schema, tables in sorted(by_schema.items()):
        system = schema.removeprefix("raw_")
        entry = cover.systems.get(system) if cover else None
        if entry is not None and not entry.with_data:
            silent.append(system + ("" if entry.switched_on else " (off)"))
        else:
            shown = ", ".join(tables[:limit]) + (f" and {len(tables) - limit} more" if len(tables) > limit else "")
            partial.append(f"{system} has no {shown}")
    parts = ([f"no data from {', '.join(silent)}"] if silent else []) + partial
    return "; ".join(parts)
