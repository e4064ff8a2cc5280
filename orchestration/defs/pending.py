"""Models that syncs or the CLV fit read but the dbt project does not define yet.

They appear in the lineage graph as external assets, in the ``marts`` group with their owner and a
note, so the graph shows what is expected and who will deliver it. Each disappears from here by
itself once a dbt model of that name exists (then dagster-dbt defines it).
"""

import dagster as dg

from orchestration.defs.activation import SYNCS
from orchestration.defs.clv import CLV_UPSTREAM
from orchestration.defs.transformation import DBT_MODEL_KEYS
from orchestration.keys import model_key
from orchestration.ownership import govern


def pending_specs() -> list[dg.AssetSpec]:
    readers: dict[dg.AssetKey, list[str]] = {}
    for sync in SYNCS:
        readers.setdefault(model_key(sync.audience), []).append(f"sync {sync.name}")
    for key in CLV_UPSTREAM:
        readers.setdefault(key, []).append("the CLV fit")
    return [
        govern(dg.AssetSpec(key, group_name="marts", kinds={"dbt"}, tags={"cdw/status": "not_built"},
                            description=f"Not built yet: no dbt model named {key.path[-1]} exists. "
                                        f"Read by {', '.join(users)}."))
        for key, users in sorted(readers.items(), key=lambda item: item[0].to_user_string())
        if key not in DBT_MODEL_KEYS
    ]


defs = dg.Definitions(assets=pending_specs())
