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
from orchestration.defs.transformation import MANIFEST, dbt_clv_consumers, dbt_models
from orchestration.resources import WRITER_POOL, WarehouseResource, writer
from orchestration.translator import governed_models

CHECK_NAME = "governance_rules"
SUITES = ("dictionary", "identity", "value", "audience", "privacy", "degradation")
GOVERNED = governed_models(MANIFEST)


def _feeds_its_own_part(key: dg.AssetKey, part: dg.AssetsDefinition) -> bool:
    """Whether a model of the same dbt part reads ``key`` (``int_identifiers`` feeds ``dim_customers``)."""
    return any(key in part.asset_deps.get(other, ()) for other in part.keys if other != key)


def _governance_check(name: str, governed: dict[dg.AssetKey, str],
                      part: dg.AssetsDefinition) -> dg.AssetChecksDefinition:
    # A blocking check on a model that feeds other models of the same dbt build would make Dagster cut
    # that build into several dbt invocations around the check; like the command line, one dbt build
    # runs, then the checks, and the checks gate what leaves the warehouse. Those checks are therefore
    # not blocking in Dagster's sense: the publish and the syncs read this run's results themselves
    # (audit.validation_results), and they wait for this step through its blocking checks on the marts.
    @dg.multi_asset_check(
        name=name, can_subset=True, pool=WRITER_POOL,
        specs=[dg.AssetCheckSpec(CHECK_NAME, asset=key, blocking=not _feeds_its_own_part(key, part),
                                 description=f"Governance suites ({', '.join(SUITES)}) on {relation}: failed `error` "
                                             "rules block everything downstream (syncs, publish).")
               for key, relation in governed.items()],
    )
    def governance_suites(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        ctx = warehouse.run_context(context.run.run_id)
        selected = {key.asset_key: governed[key.asset_key] for key in context.selected_asset_check_keys}
        with retry_transient(), writer(ctx, context):
            report = steps.check(ctx, suites=SUITES, relations=selected.values(), data_docs=False)
        for key, relation in selected.items():
            yield check_result(report.only(relation), key, CHECK_NAME)

    return governance_suites


# One check per part of the dbt graph: a single check over the marts of both parts would have to
# wait for the second part while the first part's blocking checks gate the CLV fit in between.
PARTS = [(name, {k: r for k, r in GOVERNED.items() if k in part.keys}, part)
         for name, part in (("governance_suites", dbt_models), ("governance_suites_clv_consumers", dbt_clv_consumers))]
GOVERNANCE_CHECKS = [_governance_check(name, governed, part) for name, governed, part in PARTS if governed]

defs = dg.Definitions(asset_checks=GOVERNANCE_CHECKS)
