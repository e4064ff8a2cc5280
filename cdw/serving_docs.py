"""A self-describing serving copy: comments from the dbt docs, counts as BIGINT.

Called by :func:`cdw.publish.publish` on the new serving file before it is renamed into place:

* every HUGEINT column (DuckDB's type for ``sum()`` of integers; several BI drivers mishandle it)
  becomes BIGINT (counts and unit sums of a shop never come near 2^63);
* every table, view and column gets a DuckDB comment (``COMMENT ON``): the description of its dbt model,
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

from cdw.publish_plan import PERSONAL_SUFFIX, RESTRICTED
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
                     "published_at": "When this serving copy was written (UTC).",
                     "storage_version": "The DuckDB storage version the file is written in (older clients read it).",
                     "erasures": "Fingerprint of the build warehouse's erasure records at this publish: after "
                                 "an erasure the next publish writes the whole file anew."}),
    "columns": ("Every published column: where it came from, its PII class and which schema holds it.",
                {"relation": "The table's name in the serving schemas.",
                 "source_relation": "The relation in the build warehouse it was copied from (schema.name).",
                 "column_name": "The column.",
                 "pii_class": "PII class from the data dictionary (none, indirect, direct, sensitive, ...).",
                 "in_analytics": "True when the column is in the analytics schema (not personal).",
                 "in_restricted": "True when the relation also has its full rows in the restricted schema."}),
    "relations": ("Every published table: its rows, its content signature and the run that last wrote it. A "
                  "publish rewrites only the tables whose signature changed and keeps the others.",
                  {"schema_name": "analytics or restricted.",
                   "table_name": "The relation's name in that schema (a restricted relation beside an analytics "
                                 "table is a view over it and the table <name>__personal_columns).",
                   "source_relation": "The relation in the build warehouse it was copied from (schema.name).",
                   "row_count": "Rows of the table.",
                   "signature": "Digest of the content (row count and an order-independent hash of every row), "
                                "the columns and the name.",
                   "written_by": "The run whose publish last wrote the table (earlier runs' tables were kept)."}),
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
    rows = con.execute("select schema_name, table_name, column_name from duckdb_columns() join duckdb_tables() "
                       "using (database_name, schema_name, table_name) where database_name = ? "
                       "and data_type = 'HUGEINT' order by 1, 2, 3", [catalog]).fetchall()
    for schema, table, column in rows:
        con.execute(f"alter table {_quote(catalog)}.{_quote(schema)}.{_quote(table)} "
                    f"alter column {_quote(column)} set data type bigint")
    return [f"{schema}.{table}.{column}" for schema, table, column in rows]


def describe_serving(con: duckdb.DuckDBPyConnection, catalog: str, paths: Paths, dictionary: Dictionary) -> Described:
    """Narrow HUGEINTs and comment every table, view and column of the attached serving file ``catalog``.

    Reads ``<catalog>.meta.columns`` (written by the publish) for where each relation came from. A
    comment already in place (a table a publish kept from the last serving copy) is not written again.
    """
    result = Described(narrowed=narrow_hugeints(con, catalog))
    docs = manifest_docs(paths.home / "dbt" / "target" / "manifest.json")
    sources = dict(con.execute(f"select distinct relation, source_relation from {_quote(catalog)}.meta.columns"
                               ).fetchall())
    relations = {(schema, name): (kind, comment) for schema, name, kind, comment in con.execute(
        "select schema_name, table_name, 'table', comment from duckdb_tables() where database_name = ? union all "
        "select schema_name, view_name, 'view', comment from duckdb_views() where database_name = ? and not internal "
        "order by 1, 2", [catalog, catalog]).fetchall()}
    present: dict[tuple[str, str], dict[str, str | None]] = {}
    for schema, table, column, comment in con.execute(
            "select schema_name, table_name, column_name, comment from duckdb_columns() where database_name = ? "
            "order by schema_name, table_name, column_index", [catalog]).fetchall():
        present.setdefault((schema, table), {})[column] = comment
    con.execute("begin")
    try:
        for (schema, table), (kind, comment) in relations.items():
            target = f"{_quote(catalog)}.{_quote(schema)}.{_quote(table)}"
            description, columns = _table_docs(schema, table, sources, docs, dictionary)
            _comment(con, f"{kind} {target}", comment, description)
            result.tables += bool(description)
            for column, column_comment in present.get((schema, table), {}).items():
                text = columns.get(column, "")
                _comment(con, f"column {target}.{_quote(column)}", column_comment, text)
                result.columns += bool(text)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return result


def _comment(con: duckdb.DuckDBPyConnection, what: str, current: str | None, wanted: str) -> None:
    """Set the comment on ``what`` ("table x", "column x.y") unless it is already ``wanted`` (empty: none)."""
    if (current or "") != wanted:
        con.execute(f"comment on {what} is {_literal(wanted) if wanted else 'NULL'}")


def _table_docs(schema: str, table: str, sources: dict[str, str], docs: dict[str, tuple[str, dict[str, str]]],
                dictionary: Dictionary) -> tuple[str, dict[str, str]]:
    """(table comment, {column: comment}) of one serving table."""
    if schema == "meta" and table in META_TABLES:
        return META_TABLES[table]
    relation = table.removesuffix(PERSONAL_SUFFIX) if schema == RESTRICTED else table
    if relation != table:
        _, columns = _table_docs(schema, relation, sources, docs, dictionary)
        return (f"The personal columns of restricted.{relation}, row for row beside analytics.{relation} (the "
                f"view restricted.{relation} joins them by position): read restricted.{relation}.", columns)
    source = sources.get(table, "")
    description, columns = docs.get(source.lower(), (NOT_FROM_DBT.get(source.lower(), ""), {}))
    where = (" Personal columns included: grant access to the restricted schema only to those who "
             "may see them." if schema == "restricted" else "")
    if source:
        description = (f"{description}{_owner(dictionary, source)} Built as {source} in the build "
                       f"warehouse.{where}").strip()
    return description, columns
