"""dbt-duckdb plugin: registers the native identity functions on every DuckDB connection dbt opens.

Declared in ``dbt_project/profiles.yml`` (``plugins: [{module: identity.duckdb_plugin}]``). The
macro ``duckdb__identity_connected_components`` uses the function when it is registered and
falls back to the set-based SQL loop otherwise, so a profile without the plugin still works.
"""

from __future__ import annotations

import contextlib
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from identity.components import components_udf

FUNCTION_NAME = "identity_connected_components"
RETURN_TYPE = "STRUCT(node_id BIGINT[], component_id BIGINT[])"


def register(connection: Any) -> None:
    """Register ``identity_connected_components(BIGINT[], BIGINT[])`` on a DuckDB connection."""
    with contextlib.suppress(Exception):  # not registered yet
        connection.remove_function(FUNCTION_NAME)
    connection.create_function(FUNCTION_NAME, components_udf, ["BIGINT[]", "BIGINT[]"], RETURN_TYPE,
                               type="arrow", side_effects=False)


class Plugin(BasePlugin):
    """Registers the identity functions when dbt configures a connection."""

    def configure_connection(self, conn: Any) -> None:
        register(conn)
