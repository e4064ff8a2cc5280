"""Metrics defined once: MetricFlow over the dbt semantic layer, answered from the serving copy.

The metrics and their semantic models live beside the marts (``models/marts/semantic``); dbt
writes them to ``<home>/dbt/target/semantic_manifest.json`` whenever it parses or builds. MetricFlow
turns a question (metrics, group-bys, filters) into SQL over the build relations the manifest
names (``"build"."marts"."customer_orders"``); :class:`ServingSqlClient` runs that SQL on the
published serving copy, read-only: an in-memory ``build`` catalog holds one view per relation over
its ``analytics`` table. So a metric reads exactly what analysts, BI and the dashboard read, and
never waits for (or blocks) a pipeline run writing the build warehouse.

    cdw metrics list
    cdw metrics query --metrics net_revenue,orders --group-by metric_time__month
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from core.dbt import run_dbt
from core.settings import Paths

SEMANTIC_MANIFEST = "semantic_manifest.json"
ANALYTICS = "analytics"


class MetricsError(RuntimeError):
    """A metric question could not be answered (no serving copy, unknown metric or dimension); says why."""


def semantic_manifest_path(paths: Paths) -> Path:
    return paths.home / "dbt" / "target" / SEMANTIC_MANIFEST


def ensure_semantic_manifest(paths: Paths, refresh: bool = False) -> Path:
    """The home's semantic manifest, written by ``dbt parse`` when missing (or when ``refresh``)."""
    path = semantic_manifest_path(paths)
    if refresh or not path.exists():
        result = run_dbt(paths, ["parse"])
        if not result.success or not path.exists():
            raise MetricsError(f"dbt parse did not write {path}: fix the semantic models it names")
    return path


@dataclass(frozen=True)
class MetricInfo:
    name: str
    label: str
    type: str
    description: str


def list_metrics(paths: Paths) -> list[MetricInfo]:
    """Every metric of the semantic layer, sorted by name (read from the manifest, no warehouse needed)."""
    manifest = json.loads(ensure_semantic_manifest(paths).read_text())
    return sorted((MetricInfo(m["name"], m.get("label") or m["name"], m["type"],
                              " ".join((m.get("description") or "").split()))
                   for m in manifest["metrics"]), key=lambda m: m.name)


def _serving_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Build relation (``schema.name``) -> its table in the serving ``analytics`` schema (meta.columns)."""
    rows = con.execute("select distinct source_relation, relation from serving.meta.columns where in_analytics"
                       ).fetchall()
    return {source.lower(): relation for source, relation in rows}


def open_serving_for_metrics(serving_db: Path, relations: Sequence[tuple[str, str, str]]) -> duckdb.DuckDBPyConnection:
    """A connection where MetricFlow's build names resolve to the serving copy (attached read-only).

    ``relations`` are (database, schema, alias) as the semantic manifest names them.
    """
    if not serving_db.exists():
        raise MetricsError(f"no serving warehouse at {serving_db}: run `make demo` (or `cdw run`) first")
    con = duckdb.connect(":memory:")
    escaped = str(serving_db).replace("'", "''")
    con.execute(f"attach '{escaped}' as serving (read_only)")
    names = _serving_names(con)
    for database, schema, alias in relations:
        target = names.get(f"{schema}.{alias}".lower())
        if target is None:
            raise MetricsError(f"{schema}.{alias} is not in the serving copy: publish a build that has it "
                               "(`cdw run` or `cdw publish`)")
        con.execute(f'attach if not exists \':memory:\' as "{database}"')
        con.execute(f'create schema if not exists "{database}"."{schema}"')
        con.execute(f'create or replace view "{database}"."{schema}"."{alias}" as '
                    f'select * from serving.{ANALYTICS}."{target}"')
    return con


def _manifest_relations(manifest_json: str) -> list[tuple[str, str, str]]:
    manifest = json.loads(manifest_json)
    relations = [m["node_relation"] for m in manifest["semantic_models"]]
    relations += [s["node_relation"] for s in manifest["project_configuration"].get("time_spines", [])]
    return sorted({(r["database"], r["schema_name"], r["alias"]) for r in relations})


class ServingSqlClient:
    """MetricFlow's SQL client over a DuckDB connection (:func:`open_serving_for_metrics`)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer

        self._con = con
        self._renderer = DuckDbSqlPlanRenderer()

    @property
    def sql_engine_type(self):
        from metricflow.protocols.sql_client import SqlEngine

        return SqlEngine.DUCKDB

    @property
    def sql_plan_renderer(self):
        return self._renderer

    def query(self, stmt: str, sql_bind_parameter_set=None):
        from metricflow.data_table.mf_table import MetricFlowDataTable

        cursor = self._con.execute(stmt, _parameters(sql_bind_parameter_set))
        columns = [d[0] for d in cursor.description]
        return MetricFlowDataTable.create_from_rows(column_names=columns, rows=cursor.fetchall())

    def execute(self, stmt: str, sql_bind_parameter_set=None) -> None:
        self._con.execute(stmt, _parameters(sql_bind_parameter_set))

    def dry_run(self, stmt: str, sql_bind_parameter_set=None) -> None:
        self._con.execute(f"explain {stmt}", _parameters(sql_bind_parameter_set))

    def close(self) -> None:
        self._con.close()

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        return f"${bind_parameter_key}"


def _parameters(parameter_set) -> dict | None:
    if parameter_set is None or not parameter_set.param_dict:
        return None
    return {key: value.value for key, value in parameter_set.param_dict.items()}


class Metrics:
    """The semantic layer of one home, ready to answer questions: ``Metrics(paths).query([...], [...])``."""

    def __init__(self, paths: Paths) -> None:
        for name in ("metricflow", "metricflow_semantics", "dbt_metricflow"):
            logging.getLogger(name).setLevel(logging.WARNING)
        from metricflow.engine.metricflow_engine import MetricFlowEngine
        from metricflow_semantics.model.dbt_manifest_parser import parse_manifest_from_dbt_generated_manifest
        from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

        manifest_json = ensure_semantic_manifest(paths).read_text()
        self._con = open_serving_for_metrics(paths.serving_db, _manifest_relations(manifest_json))
        manifest = parse_manifest_from_dbt_generated_manifest(manifest_json_string=manifest_json)
        self._engine = MetricFlowEngine(semantic_manifest_lookup=SemanticManifestLookup(manifest),
                                        sql_client=ServingSqlClient(self._con))

    def _request(self, metrics: Sequence[str], group_by: Sequence[str], where: Sequence[str],
                 order_by: Sequence[str], limit: int | None):
        from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

        return MetricFlowQueryRequest.create(metric_names=list(metrics), group_by_names=list(group_by) or None,
                                             where_constraints=list(where) or None,
                                             order_by_names=list(order_by) or None, limit=limit)

    def query(self, metrics: Sequence[str], group_by: Sequence[str] = (), where: Sequence[str] = (),
              order_by: Sequence[str] = (), limit: int | None = None) -> pd.DataFrame:
        """The metrics as a frame, one column per group-by and metric (``metric_time__month``, ``net_revenue``)."""
        try:
            result = self._engine.query(self._request(metrics, group_by, where, order_by, limit))
        except duckdb.Error:
            raise
        except Exception as exc:  # MetricFlow's own errors (unknown metric, invalid group-by) say what is wrong
            raise MetricsError(str(exc).strip()) from None
        table = result.result_df
        frame = pd.DataFrame(list(table.rows), columns=list(table.column_names))
        return frame

    def sql(self, metrics: Sequence[str], group_by: Sequence[str] = (), where: Sequence[str] = (),
            order_by: Sequence[str] = (), limit: int | None = None) -> str:
        """The SQL MetricFlow writes for the question (over the build relation names)."""
        try:
            return self._engine.explain(self._request(metrics, group_by, where, order_by, limit)).sql_statement.sql
        except Exception as exc:
            raise MetricsError(str(exc).strip()) from None

    def dimensions(self, metrics: Sequence[str]) -> list[str]:
        """The group-by names the metrics share (``orders__channel``, ``metric_time``, ...)."""
        return sorted({d.dunder_name for d in self._engine.list_dimensions(list(metrics))})

    def close(self) -> None:
        self._con.close()
