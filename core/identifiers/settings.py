"""The identifier settings the warehouse is configured with, read where dbt reads them.

``default_phone_region`` (the region national phone numbers belong to) is a var of
``dbt_project/dbt_project.yml``: the SQL macros and the Python functions take it from the same line.
"""

from __future__ import annotations

from functools import cache

import yaml

from core.settings import DBT_PROJECT_DIR


@cache
def _project_vars() -> dict:
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text()) or {}
    return project.get("vars") or {}


def default_phone_region() -> str:
    """The dbt var ``default_phone_region`` (ISO 3166 alpha-2, e.g. ``US``)."""
    return str(_project_vars().get("default_phone_region") or "US").upper()
