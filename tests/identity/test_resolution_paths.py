"""The portable resolution (set-based SQL components, links table written again when a limit drops
links) gives the same profiles, links and log as DuckDB's own paths (native components, links
updated in place) on the identity demo, whose traps make limits drop links."""

from __future__ import annotations

import json

from benchmarks.identity_quality import run_dbt
from tests.identity.conftest import IdentityDemo, query

PORTABLE = {"identity_native_components": False, "identity_update_in_place": False}
TABLES = {
    "intermediate.int_identity_resolution": "record_node_id, component_node_id, resolution_pass",
    "intermediate.int_identity_resolution__edges": "*",
    # Not `active_links` and `rounds`: the loop counts distinct linked pairs in rounds, the native
    # path every link in one.
    "intermediate.int_identity_resolution__log": (
        "event_type, pass_number, profiles, violations, component_node_id, identifier_type, "
        "distinct_values, max_per_profile, dropped_identifier_type, is_final"),
}


def test_portable_resolution_equals_the_duckdb_paths(identity_demo: IdentityDemo, demo_copy: IdentityDemo) -> None:
    dropped = identity_demo.query("select count(*) from intermediate.int_identity_resolution__edges "
                                  "where dropped_in_pass is not null")[0][0]
    assert dropped > 0  # limits dropped links: both ways of dropping them ran
    run_dbt(["run", "--select", "int_identity_resolution", "--vars", json.dumps(PORTABLE)],
            demo_copy.database, demo_copy.work_dir)
    for table, columns in TABLES.items():
        duckdb_paths = sorted(identity_demo.query(f"select {columns} from {table}"), key=repr)
        portable = sorted(query(demo_copy.database, f"select {columns} from {table}"), key=repr)
        assert portable == duckdb_paths, table
    rounds = query(demo_copy.database, "select max(rounds) from intermediate.int_identity_resolution__log")[0][0]
    assert rounds > 1  # the set-based loop really ran
