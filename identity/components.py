"""Connected components of an undirected graph given as two arrays of node ids (scipy).

The label of a component is its smallest node id, exactly as the set-based SQL path
(``default__identity_connected_components``) labels it, so either path gives identical tables.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components as scipy_connected_components

# Node ids up to this many times the edge count index the adjacency matrix directly; sparser
# ids (hashes, huge offsets) are compacted first.
DENSE_FACTOR = 8


def connected_components(node_a: np.ndarray, node_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(node_id, component_id)`` for every node that appears in an edge, in node order.

    ``component_id`` is the smallest node id of the node's component. Node ids must be
    non-negative integers; self-loops and duplicate edges are fine; nulls must be removed first.
    """
    a = np.ascontiguousarray(node_a, dtype=np.int64)
    b = np.ascontiguousarray(node_b, dtype=np.int64)
    if len(a) != len(b):
        raise ValueError("node_a and node_b differ in length")
    if len(a) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    low = int(min(a.min(), b.min()))
    if low < 0:
        raise ValueError("node ids must be non-negative")
    high = int(max(a.max(), b.max()))
    if high + 1 <= DENSE_FACTOR * (len(a) + 1):
        size = high + 1
        present = np.zeros(size, dtype=bool)
        present[a] = True
        present[b] = True
        nodes = np.flatnonzero(present)
        index_a, index_b = a, b
    else:
        nodes, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
        size = len(nodes)
        index_a, index_b = inverse[: len(a)], inverse[len(a):]
    matrix = csr_matrix((np.ones(len(a), dtype=np.int8), (index_a, index_b)), shape=(size, size))
    count, labels = scipy_connected_components(matrix, directed=True, connection="weak")
    node_labels = labels[nodes] if size != len(nodes) else labels
    smallest = np.full(count, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(smallest, node_labels, nodes)
    return nodes, smallest[node_labels]


def components_table(edges: pa.Table) -> pa.Table:
    """Arrow wrapper: ``node_a``/``node_b`` in, ``node_id``/``component_id`` out (nulls dropped)."""
    a, b = edges.column("node_a"), edges.column("node_b")
    keep = pc.and_(pc.is_valid(a), pc.is_valid(b))
    a, b = pc.filter(a, keep), pc.filter(b, keep)
    nodes, components = connected_components(a.to_numpy(), b.to_numpy())
    return pa.table({"node_id": nodes, "component_id": components})


def _flat(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    flat = pc.list_flatten(values)
    flat = pc.drop_null(flat)
    return flat.to_numpy(zero_copy_only=False)


def components_udf(node_a_lists: pa.Array, node_b_lists: pa.Array) -> pa.Array:
    """The SQL function ``identity_connected_components(list(node_a), list(node_b))``.

    DuckDB hands an Arrow UDF one chunk; the caller aggregates the whole edge list into one
    row, so every row of the chunk is a whole graph. Returns per row a struct of two aligned
    lists, ``node_id`` and ``component_id``, to be unnested.
    """
    results = []
    for row in range(len(node_a_lists)):
        a = node_a_lists.slice(row, 1)
        b = node_b_lists.slice(row, 1)
        nodes, components = connected_components(_flat(a), _flat(b)) if a.null_count == 0 and b.null_count == 0 \
            else (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        results.append((nodes, components))
    offsets = np.r_[0, np.cumsum([len(n) for n, _ in results])].astype(np.int64)
    node_values = np.concatenate([n for n, _ in results]) if results else np.zeros(0, dtype=np.int64)
    component_values = np.concatenate([c for _, c in results]) if results else np.zeros(0, dtype=np.int64)
    return pa.StructArray.from_arrays(
        [pa.LargeListArray.from_arrays(pa.array(offsets), pa.array(node_values)),
         pa.LargeListArray.from_arrays(pa.array(offsets), pa.array(component_values))],
        names=["node_id", "component_id"])
