"""Resources shared by every asset, and the executor of every run.

Runs execute their steps in one process, one after another: nearly every step writes the DuckDB
build warehouse, which allows one writing process, and one process spares each step the cost of
loading the definitions again. Across runs, the ``duckdb_warehouse`` pool and the run queue keep
writers apart (``dagster.yaml``).
"""

import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from core.settings import DBT_PROJECT_DIR
from orchestration.resources import ActivationResource, WarehouseResource


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "warehouse": WarehouseResource(),
            "activation": ActivationResource(),
            "dbt": DbtCliResource(
                project_dir=str(DBT_PROJECT_DIR),
                profiles_dir=str(DBT_PROJECT_DIR),
                dbt_executable=str(Path(sys.executable).with_name("dbt")),
            ),
        },
        executor=dg.in_process_executor,
    )
