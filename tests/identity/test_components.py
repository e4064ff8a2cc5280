"""Connected components: the native path (scipy through the dbt-duckdb plugin) and the portable
set-based SQL loop give identical tables, and both equal the Python reference."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from benchmarks.identity_graph import make_graph
from benchmarks.identity_quality import run_dbt
from identity.components import components_table, connected_components


def test_components_label_by_smallest_node() -> None:
    a = np.array([5, 7, 7, 100, 3, 3])
    b = np.array([7, 9, 9, 101, 3, 5])  # a duplicate edge and a self-loop
    nodes, components = connected_components(a, b)
    assert dict(zip(nodes.tolist(), components.tolist(), strict=True)) == {
        3: 3, 5: 3, 7: 3, 9: 3, 100: 100, 101: 100}


def test_sparse_ids_are_compacted() -> None:
    a = np.array([10**15, 2])
    b = np.array([2, 10**12])
    nodes, components = connected_components(a, b)
    assert nodes.tolist() == [2, 10**12, 10**15] and set(components.tolist()) == {2}


def test_empty_and_null_edges() -> None:
    nodes, components = connected_components(np.zeros(0), np.zeros(0))
    assert len(nodes) == len(components) == 0
    table = components_table(pa.table({"node_a": pa.array([1, None, 4]), "node_b": pa.array([2, 3, None])}))
    assert table.to_pydict() == {"node_id": [1, 2], "component_id": [1, 1]}


def _components(database: Path, work_dir: Path, output: str, native: bool) -> dict[int, int]:
    args = json.dumps({"edges": "graph.edges", "output": output, "nodes": "graph.nodes"})
    run_dbt(["run-operation", "identity_components_operation", "--args", args,
             "--vars", json.dumps({"identity_native_components": native})], database, work_dir)
    con = duckdb.connect(str(database), read_only=True)
    try:
        return dict(con.execute(f"select node_id, component_id from {output}").fetchall())
    finally:
        con.close()


@pytest.mark.slow
def test_native_and_sql_paths_give_identical_components(tmp_path: Path) -> None:
    graph = make_graph(40_000, chain=3_000, seed=11)  # heavy-tailed profiles and a 3,000-link chain
    database = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(database))
    try:
        con.execute("create schema graph")
        con.register("graph_arrow", graph)
        con.execute("create table graph.edges as select * from graph_arrow")
        # Every node of the edges plus isolated nodes no edge names.
        con.execute("create table graph.nodes as select node_a as node_id from graph.edges "
                    "union select node_b from graph.edges union select 10000000 + range from range(5)")
    finally:
        con.close()
    native = _components(database, tmp_path, "graph.components_native", native=True)
    portable = _components(database, tmp_path, "graph.components_sql", native=False)
    assert native == portable
    nodes, components = connected_components(graph.column("node_a").to_numpy(), graph.column("node_b").to_numpy())
    reference = dict(zip(nodes.tolist(), components.tolist(), strict=True))
    assert {k: v for k, v in native.items() if k < 10_000_000} == reference
    assert all(native[10_000_000 + i] == 10_000_000 + i for i in range(5))  # isolated nodes label themselves
    con = duckdb.connect(str(database), read_only=True)
    try:
        rounds_native = con.execute("select rounds from graph.components_native__stats").fetchone()[0]
        rounds_sql = con.execute("select rounds from graph.components_sql__stats").fetchone()[0]
    finally:
        con.close()
    assert rounds_native == 1 and rounds_sql > 5  # the native path really ran, and so did the loop
