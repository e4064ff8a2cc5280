"""dbt models as assets (dagster-dbt); dbt data tests appear as asset checks."""

import json
import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from cdw.dbt import dbt_invocation_env, run_dbt
from cdw.pipeline import demo_end_date
from cdw.settings import DBT_PROJECT_DIR, get_paths
from orchestration.resources import WarehouseResource

# The manifest describes code, not data: it lives in the project's own (git-ignored) target folder.
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()
if not dbt_project.manifest_path.exists():
    # Definitions read the manifest when they load: parse once if nobody has yet.
    run_dbt(get_paths(), ["parse"], target_path=dbt_project.manifest_path.parent)


class LayerTranslator(DagsterDbtTranslator):
    """Groups models by layer (the first folder under models/: staging, intermediate, marts)."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "model":
            folders = dbt_resource_props.get("fqn", [])[1:-1]
            return folders[0] if folders else "models"
        return super().get_group_name(dbt_resource_props)


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=LayerTranslator(), project=dbt_project)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    paths = warehouse.paths
    # dbt runs as a subprocess and finds the warehouse through the environment
    os.environ.update(dbt_invocation_env(paths))
    as_of = demo_end_date(paths) if warehouse.source == "demo" else None
    args = ["build"] + (["--vars", json.dumps({"as_of": as_of.isoformat()})] if as_of else [])
    yield from dbt.cli(args, context=context).stream()


defs = dg.Definitions(assets=[dbt_models])
