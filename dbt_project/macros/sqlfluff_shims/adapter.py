"""``adapter.dispatch``: resolve ``duckdb__<name>`` then ``default__<name>`` among loaded macros."""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context

ADAPTER_TYPE = "duckdb"


@pass_context
def dispatch(context: Context, macro_name: str, macro_namespace: str | None = None) -> Any:
    for prefix in (ADAPTER_TYPE, "default"):
        candidate = context.get(f"{prefix}__{macro_name}")
        if candidate is not None:
            return candidate
    raise LookupError(f"sqlfluff shim: no duckdb__/default__ implementation of {macro_name!r}")


def quote(identifier: str) -> str:
    return f'"{identifier}"'
