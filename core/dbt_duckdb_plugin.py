"""dbt-duckdb plugin: the warehouse's memory limit and spill folder, set once when dbt opens it, and
no insertion order for the models' writes.

Declared in ``dbt_project/profiles.yml`` with the values (from the environment :class:`core.dbt.DbtPlace`
sets). Not the profile's ``settings``: dbt-duckdb runs those again on every node's cursor, and DuckDB
refuses to set the temp directory again (even to the same folder) once a model has spilled into it,
so every node after the first spill failed. Not ``config_options`` either: DuckDB refuses a connection
with a configuration of its own to a file this process already has open (a step's connection).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from core.duckdb_files import set_memory_and_spill


class Plugin(BasePlugin):
    """Sets ``memory_limit`` and ``temp_directory`` (its configuration) on the connection dbt opens,
    and turns ``preserve_insertion_order`` off: a model's table keeps no row order (readers sort or
    group), and keeping it made DuckDB hold finished batches back until the ones before them were
    written. At a million customers fct_events took 103.6 s (190.9 CPU s) with it, 70.6 s (128.8)
    without. Code that needs the order of a scan sets it on again itself (publish, ingestion)."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.memory_limit = str(plugin_config["memory_limit"])
        self.temp_directory = Path(plugin_config["temp_directory"])

    def configure_connection(self, conn: Any) -> None:
        set_memory_and_spill(conn, self.memory_limit, self.temp_directory)
        conn.execute("set preserve_insertion_order = false")
