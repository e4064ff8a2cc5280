"""A self-describing serving copy: comments from the dbt docs, counts as BIGINT.

Called by :func:`cdw.publish.publish` on the new serving file before it is renamed into place:

* every HUGEINT column (DuckDB's type for ``sum()`` of integers; several BI drivers mishandle it)
  becomes BIGINT (counts and unit sums of a shop never come near 2^63);
* every table and column gets a DuckDB comment (``COMMENT ON``): the description of its dbt model,
  seed or source from the manifest dbt wrote for this home, the owner from the data dictionary and
  the build relation it was copied from; relations written by pipeline steps (validation results,
  CLV runs) and the ``meta`` tables get their own. DBeaver, Metabase, the duckdb CLI
  (``select comment from duckdb_tables()``) and any DuckDB client show them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from core.dictionary import Dictionary
from core.settings import Paths

NOT_FROM_DBT = {
    "audit.validation_results": "One row per Great Expectations rule and run: suite, relation, expectation, "
                                "severity (error blocks publishing, warn is reported), outcome, unexpected "
                                "rows and masked examples. Written by the check step.",
    "marts.clv_model_runs": "One row per CLV fit attempt (BG/NBD + Gamma-Gamma): status (fitted, kept_previous, "
                            "skipped) and reason, settings, fitted parameters, sample sizes and timings. "
                            "Written by the CLV step.",
}
META_TABLES = {
    "publication": ("The publish that wrote this file: its run and when.",
                    {"run_id": "The pipeline run that was published.",
                     "published_at": "When this serving copy was written (UTC)."}),
    "columns": ("Every published column: where it came from, its PII class and which schema holds it.",
                {"relation": "The table's name in the serving schemas.",
                 "source_relation": "The relation in the build warehouse it was copied from (schema.name).",
                 "column_name": "The column.",
                 "pii_class": "PII class from the data dictionary (none, indirect, direct, sensitive, ...).",
                 "in_analytics": "True when the column is in the analytics schema (not personal).",
                 "in_restricted": "True when the relation also has a full copy in the restricted schema."}),
}


@dataclass
class Described:
    tables: int = 0
    columns: int = 0
    narrowed: list[str] = field(default_factory=list)  # "schema.table.column" turned from HUGEINT into BIGINT


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def manifest_docs(manifest_path: Path) -> dict[str, tuple[str, dict[str, str]]]:
    """``schema.name`` of each model, seed and source -> (description, {column: description})."""
    if not manifest_path.exists():
        return {}
    manifest = json.loads(manifest_path.read_text())
    docs: dict[str, tuple[str, dict[str, str]]] = {}
    nodes = [n for n in manifest.get("nodes", {}).values() if n.get("resource_type") in ("model", "seed")]
    for node in [*nodes, *manifest.get("sources", {}).values()]:
        name = node.get("alias") or node.get("identifier") or node["name"]
        columns = {c: _clean(spec.get("description")) for c, spec in (node.get("columns") or {}).items()}
        docs[f"{node['schema']}.{name}".lower()] = (_clean(node.get("description")), columns)
    return docs


def _owner(dictionary: Dictionary, source_relation: str) -> str:
    schema, _, name = source_relation.partition(".")
    steward = dictionary.steward_for(name) or dictionary.steward_for(f"{schema}/{name}")
    return f" Owner: {steward.title} ({steward.owner})." if steward else ""


def narrow_hugeints(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    """Turn every HUGEINT column of ``catalog`` into BIGINT; returns them."""
    rows = con.execute("select schema_name, table_name, column_name from duckdb_columns() "
                       "where database_name = ? and data_type = 'HUGEINT' order by 1, 2, 3", [catalog]).fetchall()
    for schema, table, column in rows:
        con.execute(f"alter table {_quote(catalog)}.{_quote(schema)}.{_quote(table)} "
                    f"alter column {_quote(column)} set data type bigint")
    return [f"{schema}.{table}.{column}" for schema, table, column in rows]


def describe_serving(con: duckdb.DuckDBPyConnection, catalog: str, paths: Paths, dictionary: Dictionary) -> Described:
    """Narrow HUGEINTs and comment every table and column of the attached serving file ``catalog``.

    Reads ``<catalog>.meta.columns`` (written by the publish) for where each table came from.
    """
    result = Described(narrowed=narrow_hugeints(con, catalog))
    docs = manifest_docs(paths.home / "dbt" / "target" / "manifest.json")
    sources = dict(con.execute(f"select distinct relation, source_relation from {_quote(catalog)}.meta.columns"
                               ).fetchall())
    tables = con.execute("select schema_name, table_name from duckdb_tables() where database_name = ? "
                         "order by 1, 2", [catalog]).fetchall()
    present = set(con.execute("select schema_name, table_name, column_name from duckdb_columns() "
                              "where database_name = ?", [catalog]).fetchall())
    con.execute("begin")
    try:
        for schema, table in tables:
            target = f"{_quote(catalog)}.{_quote(schema)}.{_quote(table)}"
            if schema == "meta" and table in META_TABLES:
                description, columns = META_TABLES[table]
            else:
                source = sources.get(table, "")
                description, columns = docs.get(source.lower(), (NOT_FROM_DBT.get(source.lower(), ""), {}))
                where = (" Personal columns included: grant access to the restricted schema only to those who "
                         "may see them." if schema == "restricted" else "")
                description = (f"{description}{_owner(dictionary, source)} Built as {source} in the build "
                               f"warehouse.{where}").strip() if source else description
            if description:
                con.execute(f"comment on table {target} is {_literal(description)}")
                result.tables += 1
            for column, text in columns.items():
                if text and (schema, table, column) in present:
                    con.execute(f"comment on column {target}.{_quote(column)} is {_literal(text)}")
                    result.columns += 1
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return result

