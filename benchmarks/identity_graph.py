"""Benchmark the identity graph's connected components at scale, side by side with scipy.

Builds a graph shaped like an identity graph, many small profiles with a heavy tail of large
ones plus one long chain (the worst case for label propagation), with node ids shuffled, writes
it to a DuckDB file and resolves it with the project's macro (`dbt run-operation
identity_components_operation`, the same macro the `identity_resolution` materialization calls:
on DuckDB its native path, scipy over Arrow through the plugin's SQL function). In the same run
it times scipy's ``connected_components`` on the same edges (CSR matrix built from the arrays,
then the components: the reference) and prints both and the ratio, and checks that the
macro's components equal scipy's. ``--sql`` also runs the portable set-based SQL loop (what
other engines run) on the same graph and checks it gives the same components.

    .venv/bin/python benchmarks/identity_graph.py --edges 5000000 [--sql]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

# Run as a script, this file's folder comes first on sys.path: put the repository root in front.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.identity_quality import run_dbt  # noqa: E402
from benchmarks.scratch import run_root  # noqa: E402


def make_graph(edges: int, chain: int, seed: int) -> pa.Table:
    """Edges (node_a, node_b) of ~`edges` links: random trees per profile, extra links, one chain."""
    rng = np.random.default_rng(seed)
    tree_edges_target = int(edges * 0.8) - chain
    sizes: list[np.ndarray] = []
    total = 0
    while total < tree_edges_target:
        batch = np.minimum(1 + np.floor(rng.pareto(1.3, 200_000) * 2).astype(np.int64), 20_000)
        sizes.append(batch)
        total += int(batch.sum()) - len(batch)
    size = np.concatenate(sizes)
    cumulative = np.cumsum(size - 1)
    size = size[: int(np.searchsorted(cumulative, tree_edges_target)) + 1]
    nodes = int(size.sum())
    start = np.r_[0, np.cumsum(size)[:-1]]
    block = np.repeat(np.arange(len(size)), size)
    position = np.arange(nodes) - start[block]
    # Each node but the first of its profile links to a random earlier node of the profile.
    child = np.flatnonzero(position > 0)
    parent = start[block[child]] + (rng.random(len(child)) * position[child]).astype(np.int64)
    # Extra links inside profiles of two or more records (a second identifier in common).
    extra_count = edges - chain - len(child)
    multi = np.flatnonzero(size[block] > 1)
    extra_a = rng.choice(multi, size=extra_count)
    extra_b = start[block[extra_a]] + (rng.random(extra_count) * size[block[extra_a]]).astype(np.int64)
    # One chain: each record linked to the next only.
    chain_nodes = np.arange(nodes, nodes + chain + 1)
    a = np.concatenate([child, extra_a, chain_nodes[:-1]])
    b = np.concatenate([parent, extra_b, chain_nodes[1:]])
    shuffle = rng.permutation(nodes + chain + 1) + 1
    return pa.table({"node_a": shuffle[a], "node_b": shuffle[b]})


def peak_child_rss_mb() -> float:
    """Peak resident set size of the largest finished child process (dbt and DuckDB), in MiB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0


def scipy_reference(graph: pa.Table) -> tuple[float, np.ndarray, np.ndarray]:
    """Seconds scipy takes on the edges (CSR matrix + components), and its labels per node id."""
    a, b = graph.column("node_a").to_numpy(), graph.column("node_b").to_numpy()
    started = time.perf_counter()
    size = int(max(a.max(), b.max())) + 1
    matrix = csr_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(size, size))
    _, labels = connected_components(matrix, directed=True, connection="weak")
    seconds = time.perf_counter() - started
    present = np.zeros(size, dtype=bool)
    present[a] = True
    present[b] = True
    return seconds, np.flatnonzero(present), labels


def same_partition(nodes: np.ndarray, labels: np.ndarray, table_nodes: np.ndarray, table_components: np.ndarray
                   ) -> bool:
    """Whether (node -> component) from the warehouse partitions the nodes exactly as scipy's labels."""
    order = np.argsort(table_nodes)
    table_nodes, table_components = table_nodes[order], table_components[order]
    if not np.array_equal(table_nodes, nodes):
        return False
    scipy_labels = labels[nodes]
    pairs = np.unique(np.stack([scipy_labels, table_components]), axis=1)
    return pairs.shape[1] == len(np.unique(scipy_labels)) == len(np.unique(table_components))


def resolve(database: Path, work_dir: Path, output: str, max_rounds: int, native: bool) -> dict[str, Any]:
    """Run the macro through dbt; returns its stats and the wall time of the dbt call."""
    args = json.dumps({"edges": "graph.edges", "output": output, "max_rounds": max_rounds})
    started = time.perf_counter()
    run_dbt(["run-operation", "identity_components_operation", "--args", args,
             "--vars", json.dumps({"identity_native_components": native})], database, work_dir)
    wall = time.perf_counter() - started
    con = duckdb.connect(str(database), read_only=True)
    try:
        rounds, converged, nodes, directed_edges, seconds = con.execute(
            f"select rounds, converged, nodes, edges, seconds from {output}__stats").fetchone()
    finally:
        con.close()
    return {"rounds": int(rounds), "converged": bool(converged), "nodes": int(nodes),
            "directed_edges": int(directed_edges), "seconds": float(seconds), "dbt_wall_seconds": wall}


def components_of(database: Path, output: str) -> tuple[np.ndarray, np.ndarray, int, int]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        table = con.sql(f"select node_id, component_id from {output}").to_arrow_table()
        profiles, largest = con.execute(
            f"select count(*), max(size) from (select count(*) as size from {output} group by component_id)"
        ).fetchone()
    finally:
        con.close()
    return (table.column("node_id").to_numpy(), table.column("component_id").to_numpy(), int(profiles),
            int(largest))


def run(edges: int, chain: int, seed: int, work_dir: Path, max_rounds: int, sql: bool = False) -> dict[str, Any]:
    started = time.perf_counter()
    graph = make_graph(edges, chain, seed)
    database = work_dir / "identity_graph.duckdb"
    con = duckdb.connect(str(database))
    try:
        con.execute("create schema if not exists graph")
        con.register("edges_arrow", graph)
        con.execute("create or replace table graph.edges as select * from edges_arrow")
    finally:
        con.close()
    generated = time.perf_counter()
    scipy_seconds, scipy_nodes, scipy_labels = scipy_reference(graph)
    native = resolve(database, work_dir, "graph.components", max_rounds, native=True)
    nodes, components, profiles, largest = components_of(database, "graph.components")
    report: dict[str, Any] = {
        "edges": graph.num_rows, "nodes": native["nodes"], "profiles": profiles, "largest_profile": largest,
        "chain_length": chain, "scipy_seconds": round(scipy_seconds, 3),
        "native_seconds": round(native["seconds"], 3),
        "native_vs_scipy": round(native["seconds"] / scipy_seconds, 2),
        "native_equals_scipy": same_partition(scipy_nodes, scipy_labels, nodes, components),
        "native_dbt_wall_seconds": round(native["dbt_wall_seconds"], 2),
        "generate_seconds": round(generated - started, 2),
        "edges_per_second": round(graph.num_rows / native["seconds"]) if native["seconds"] else None,
    }
    if sql:
        loop = resolve(database, work_dir, "graph.components_sql", max_rounds, native=False)
        sql_nodes, sql_components, _, _ = components_of(database, "graph.components_sql")
        report.update({
            "sql_rounds": loop["rounds"], "sql_converged": loop["converged"], "sql_seconds": round(loop["seconds"], 2),
            "sql_vs_scipy": round(loop["seconds"] / scipy_seconds, 2),
            "sql_equals_native": bool(np.array_equal(np.sort(sql_nodes), nodes[np.argsort(nodes)])
                                      and same_partition(scipy_nodes, scipy_labels, sql_nodes, sql_components)),
        })
    report["peak_memory_mb"] = round(max(peak_child_rss_mb(), peak_self_rss_mb()), 1)
    return report


def peak_self_rss_mb() -> float:
    """Peak resident set size of this process (scipy's reference run), in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edges", type=int, default=5_000_000, help="links in the graph (scale)")
    parser.add_argument("--chain", type=int, default=100_000, help="length of the chain profile")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--max-rounds", type=int, default=40)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--sql", action="store_true", help="also run the portable set-based SQL loop")
    args = parser.parse_args(argv)
    with run_root(args.workdir, prefix="identity_graph_") as work_dir:
        work_dir.mkdir(parents=True, exist_ok=True)
        report = run(args.edges, args.chain, args.seed, work_dir, args.max_rounds, sql=args.sql)
    width = max(len(k) for k in report)
    for key, value in report.items():
        print(f"{key:<{width}}  {value}")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
