"""dbt run in process lets go of the warehouse when it is done."""

from __future__ import annotations

import duckdb

from core.dbt import run_dbt
from core.settings import Paths


def test_after_dbt_the_same_process_opens_the_warehouse_read_only(tmp_path):
    """The activation-lane benchmark's read-only look at the audience failed after an in-process lane
    run: dbt-duckdb kept its own connection to the build warehouse open."""
    paths = Paths(tmp_path).ensure()
    result = run_dbt(paths, ["seed", "--select", "rfm_segments"])
    assert result.success, result.failures
    with duckdb.connect(str(paths.build_db), read_only=True) as con:
        assert con.execute("select count(*) from seeds.rfm_segments").fetchone()[0] > 0
    assert run_dbt(paths, ["seed", "--select", "lifecycle_thresholds"]).success  # and dbt opens it again
