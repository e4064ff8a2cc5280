"""Governance suites (Great Expectations) as blocking asset checks on the marts.

The rules come from ``expectations.suites`` (dictionary, identity, value, audience, privacy),
built against what the warehouse holds. Each mart gets one ``governance_rules`` check: failed
``error`` rules block it (a sync of a failing audience does not run, and neither does the publish),
failed ``warn`` rules are shown and block nothing. Results also land in
``audit.validation_results``, where a sync's own governance gate reads them. Landing rules run in
the ingest steps (``landing_contract``).
"""

from collections import defaultdict

import dagster as dg
import duckdb

from cdw.steps.check import governance_rules
from expectations.runner import CheckReport, store_report, validate_rules
from orchestration.checks import check_result, retry_transient
from orchestration.defs.transformation import MANIFEST, RELATIONS, TRANSLATOR
from orchestration.resources import WRITER_POOL, WarehouseResource

CHECK_NAME = "governance_rules"
SUITES = ("dictionary", "identity", "value", "audience", "privacy")
GOVERNED_GROUPS = ("marts",)


def governed_models() -> dict[dg.AssetKey, str]:
    """Built mart models and their relations (``marts.fct_orders``)."""
    groups = {TRANSLATOR.get_asset_key(node): TRANSLATOR.get_group_name(node)
              for node in MANIFEST.get("nodes", {}).values() if node["resource_type"] == "model"}
    return {key: relation for key, relation in sorted(RELATIONS.items(), key=lambda item: item[0].to_user_string())
            if groups.get(key) in GOVERNED_GROUPS}


GOVERNED = governed_models()


@dg.multi_asset_check(
    name="governance_suites", can_subset=True, pool=WRITER_POOL,
    specs=[dg.AssetCheckSpec(CHECK_NAME, asset=key, blocking=True,
                             description=f"Governance suites ({', '.join(SUITES)}) on {relation}: failed `error` "
                                         "rules block everything downstream (syncs, publish).")
           for key, relation in GOVERNED.items()],
)
def governance_suites(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    selected = {key.asset_key: GOVERNED[key.asset_key] for key in context.selected_asset_check_keys}
    wanted = {relation.lower() for relation in selected.values()}
    with retry_transient(), duckdb.connect(str(warehouse.paths.build_db)) as con:
        rules = governance_rules(con, SUITES, relations=wanted)
        report = validate_rules(con, rules, run_id=context.run.run_id)
        store_report(con, report)
    by_relation: dict[str, list] = defaultdict(list)
    for outcome in report.outcomes:
        by_relation[outcome.rule.relation.lower()].append(outcome)
    for key, relation in selected.items():
        part = CheckReport(run_id=report.run_id, outcomes=by_relation.get(relation.lower(), []))
        yield check_result(part, key, CHECK_NAME)


defs = dg.Definitions(asset_checks=[governance_suites] if GOVERNED else [])
