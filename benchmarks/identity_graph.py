"""Benchmark the identity graph resolution (connected components in set-based SQL) at scale.

Builds a graph shaped like an identity graph, many small profiles with a heavy tail of large
ones plus one long chain (the worst case for label propagation), with node ids shuffled, writes
it to a DuckDB file and resolves it with the project's macro (`dbt run-operation
identity_components_operation`, the same loop the `identity_resolution` materialization runs).
Prints nodes, edges, profiles, the largest profile, rounds, seconds and peak memory as a table
and as JSON.

    .venv/bin/python benchmarks/identity_graph.py --edges 5000000
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

# Run as a script, this file's folder comes first on sys.path: put the repository root in front.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.identity_quality import run_dbt  # noqa: E402


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


def run(edges: int, chain: int, seed: int, work_dir: Path, max_rounds: int) -> dict[str, Any]:
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
    args = json.dumps({"edges": "graph.edges", "output": "graph.components", "max_rounds": max_rounds})
    run_dbt(["run-operation", "identity_components_operation", "--args", args], database, work_dir)
    resolved = time.perf_counter()
    con = duckdb.connect(str(database), read_only=True)
    try:
        rounds, converged, nodes, directed_edges, seconds = con.execute(
            "select rounds, converged, nodes, edges, seconds from graph.components__stats").fetchone()
        profiles, largest = con.execute("""
            select count(*), max(size) from (select count(*) as size from graph.components group by component_id)
        """).fetchone()
    finally:
        con.close()
    return {
        "edges": graph.num_rows, "nodes": int(nodes), "directed_edges": int(directed_edges),
        "profiles": int(profiles), "largest_profile": int(largest), "chain_length": chain,
        "rounds": int(rounds), "converged": bool(converged), "resolution_seconds": round(float(seconds), 2),
        "dbt_wall_seconds": round(resolved - generated, 2), "generate_seconds": round(generated - started, 2),
        "edges_per_second": round(graph.num_rows / float(seconds)) if seconds else None,
        "peak_memory_mb": round(peak_child_rss_mb(), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edges", type=int, default=5_000_000, help="links in the graph (scale)")
    parser.add_argument("--chain", type=int, default=100_000, help="length of the chain profile")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--max-rounds", type=int, default=40)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    work_dir = args.workdir or Path(tempfile.mkdtemp(prefix="identity_graph_"))
    work_dir.mkdir(parents=True, exist_ok=True)
    report = run(args.edges, args.chain, args.seed, work_dir, args.max_rounds)
    width = max(len(k) for k in report)
    for key, value in report.items():
        print(f"{key:<{width}}  {value}")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
