"""The set-based SQL loop (the portable path other engines run) converges in rounds that grow with
log(size), not the diameter: a chain test. On DuckDB the native path is the default; these tests
force the loop (var ``identity_native_components: false``), and the last one checks the native
path on the same chain."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from benchmarks.identity_quality import run_dbt

CHAIN_NODES = 100_000
MAX_ROUNDS = 25
SQL_LOOP = ["--vars", json.dumps({"identity_native_components": False})]


def make_chain(database: Path, nodes: int) -> None:
    """A path of `nodes` records whose node ids are shuffled (no order to exploit)."""
    con = duckdb.connect(str(database))
    try:
        con.execute("create schema if not exists graph")
        con.execute(f"""
            create table graph.chain as
            with shuffled as (
                select position, row_number() over (order by hash(position * 7919 + 13)) as node_id
                from range(1, {nodes} + 1) as positions(position)
            )
            select a.node_id as node_a, b.node_id as node_b
            from shuffled as a
            inner join shuffled as b on b.position = a.position + 1
        """)
    finally:
        con.close()


def test_chain_of_100k_records_resolves_in_at_most_25_rounds(tmp_path: Path) -> None:
    database = tmp_path / "chain.duckdb"
    make_chain(database, CHAIN_NODES)
    args = json.dumps({"edges": "graph.chain", "output": "graph.chain_components", "max_rounds": MAX_ROUNDS})
    run_dbt(["run-operation", "identity_components_operation", "--args", args, *SQL_LOOP], database, tmp_path)
    con = duckdb.connect(str(database), read_only=True)
    try:
        rounds, converged, nodes = con.execute("select rounds, converged, nodes from graph.chain_components__stats"
                                               ).fetchone()
        components, smallest = con.execute("select count(distinct component_id), min(component_id) "
                                           "from graph.chain_components").fetchone()
    finally:
        con.close()
    print(f"chain of {nodes} records: {rounds} rounds")
    assert converged and nodes == CHAIN_NODES
    assert rounds <= MAX_ROUNDS
    assert (components, smallest) == (1, 1)


def test_resolution_fails_loudly_when_it_cannot_converge(tmp_path: Path) -> None:
    database = tmp_path / "chain.duckdb"
    make_chain(database, 2_000)
    args = json.dumps({"edges": "graph.chain", "output": "graph.chain_components", "max_rounds": 3})
    result = run_dbt(["run-operation", "identity_components_operation", "--args", args, *SQL_LOOP], database,
                     tmp_path, check=False)
    assert result.returncode != 0
    assert "did not converge" in result.stdout + result.stderr


def test_native_path_resolves_the_chain_in_one_statement(tmp_path: Path) -> None:
    database = tmp_path / "chain.duckdb"
    make_chain(database, 2_000)
    args = json.dumps({"edges": "graph.chain", "output": "graph.chain_components", "max_rounds": 3})
    run_dbt(["run-operation", "identity_components_operation", "--args", args], database, tmp_path)
    con = duckdb.connect(str(database), read_only=True)
    try:
        rounds, converged = con.execute("select rounds, converged from graph.chain_components__stats").fetchone()
        components = con.execute("select count(distinct component_id), min(component_id) "
                                 "from graph.chain_components").fetchone()
    finally:
        con.close()
    assert (rounds, converged) == (1, True) and components == (1, 1)
