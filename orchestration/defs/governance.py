"""Governance suites (Great Expectations) as blocking asset checks on the marts.

The rules are the check step's (:func:`cdw.steps.check`: dictionary, identity, value, audience,
privacy), built against what the warehouse holds. Each mart gets one ``governance_rules`` check:
failed ``error`` rules block it (a sync of a failing audience does not run, and neither does the
publish), failed ``warn`` rules are shown and block nothing. Results also land in
``audit.validation_results``, where a sync's own governance gate reads them. Landing rules run in
the ingest steps (``landing_contract``).
"""

import dagster as dg

from cdw import steps
from orchestration.checks import check_result, retry_transient
from orchestration.defs.transformation import MANIFEST
from orchestration.resources import WRITER_POOL, WarehouseResource, writer
from orchestration.translator import governed_models

CHECK_NAME = "governance_rules"
SUITES = ("dictionary", "identity", "value", "audience", "privacy")
GOVERNED = governed_models(MANIFEST)


@dg.multi_asset_check(
    name="governance_suites", can_subset=True, pool=WRITER_POOL,
    specs=[dg.AssetCheckSpec(CHECK_NAME, asset=key, blocking=True,
                             description=f"Governance suites ({', '.join(SUITES)}) on {relation}: failed `error` "
                                         "rules block everything downstream (syncs, publish).")
           for key, relation in GOVERNED.items()],
)
def governance_suites(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    ctx = warehouse.run_context(context.run.run_id)
    selected = {key.asset_key: GOVERNED[key.asset_key] for key in context.selected_asset_check_keys}
    with retry_transient(), writer(ctx, context):
        report = steps.check(ctx, suites=SUITES, relations=selected.values(), data_docs=False)
    for key, relation in selected.items():
        yield check_result(report.only(relation), key, CHECK_NAME)


defs = dg.Definitions(asset_checks=[governance_suites] if GOVERNED else [])
