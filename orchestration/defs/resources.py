"""Resources shared by every asset."""

import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from cdw.settings import DBT_PROJECT_DIR
from orchestration.resources import WarehouseResource


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "warehouse": WarehouseResource(),
            "dbt": DbtCliResource(
                project_dir=str(DBT_PROJECT_DIR),
                profiles_dir=str(DBT_PROJECT_DIR),
                dbt_executable=str(Path(sys.executable).with_name("dbt")),
            ),
        }
    )
