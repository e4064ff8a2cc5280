"""Jobs: the nightly whole graph, the activation lane, the weekly CLV refit, landing-file ingests.

Every job that writes the build warehouse carries the ``cdw/warehouse: build`` run tag; the run
queue (``dagster.yaml``) admits one such run at a time. Freshness checks stay out of the jobs:
their sensor evaluates them.
"""

import dagster as dg
from dagster_dbt import build_dbt_asset_selection

from activation import load_config as load_activation_config
from cdw.lane import lane_selection as lane_dbt_selection
from orchestration.config import load_config
from orchestration.defs.activation import LANE_SYNCS
from orchestration.defs.clv import clv_fit
from orchestration.defs.freshness import FRESHNESS_CHECKS
from orchestration.defs.governance import CHECK_NAME, GOVERNED
from orchestration.defs.ingestion import SYSTEM_ASSETS
from orchestration.defs.transformation import DBT_ASSETS
from orchestration.keys import LANE_TAG, LANE_VALUE, WRITER_TAG, WRITER_VALUE, model_key, sync_key

WRITER = {WRITER_TAG: WRITER_VALUE}
FRESHNESS = dg.AssetSelection.checks(*FRESHNESS_CHECKS)


def lane_selection(systems: tuple[str, ...], sync_names: set[str]) -> dg.AssetSelection:
    """What one activation-lane run touches: the same dbt nodes as ``cdw lane`` (:func:`cdw.lane.lane_selection`).

    The raw tables of the lane's systems (new files only: landing is incremental), every dbt model
    on a path from those tables to a lane sync's audience except the identity graph (plus models
    tagged for the lane), the governance check of each lane audience, and the lane syncs. Nothing
    else: the nightly run keeps the rest of the warehouse current.

    The audiences' checks are selected by name: dagster-dbt's selection brings the dbt tests of the
    models it picks, not the governance suites. Without them a lane run rebuilt an audience and sent
    it on the strength of an older run's validation (or none: refused), where ``cdw lane`` checks
    the audiences it is about to sync; the checks block their syncs (blocking, on the audience).
    """
    unknown = sorted(set(systems) - set(SYSTEM_ASSETS))
    if unknown:
        raise ValueError(f"activation_lane.systems: unknown system(s) {unknown}; known: {sorted(SYSTEM_ASSETS)}")
    config = load_activation_config()
    audiences = [config.syncs[name].relation for name in sorted(sync_names)]
    select, exclude = lane_dbt_selection(audiences, systems, load_config().lane.dbt_tag)
    raw = dg.AssetSelection.assets(*(SYSTEM_ASSETS[s] for s in systems))
    syncs = dg.AssetSelection.assets(*(sync_key(name) for name in sorted(sync_names)))
    checks = dg.AssetSelection.checks(*(dg.AssetCheckKey(model_key(audience), CHECK_NAME)
                                        for audience in sorted(set(audiences)) if model_key(audience) in GOVERNED))
    models = dg.AssetSelection.assets()
    for part in DBT_ASSETS:  # dagster-dbt selects within one dbt assets definition at a time
        models = models | build_dbt_asset_selection([part], dbt_select=select, dbt_exclude=exclude)
    return (raw | models | checks | syncs) - FRESHNESS


main_job = dg.define_asset_job(
    "main_job", selection=dg.AssetSelection.all() - FRESHNESS, tags=WRITER,
    description="The whole warehouse: generate or land vendor data, landing checks, every dbt model and test, "
                "CLV, publish, every sync.",
)

activation_lane_job = dg.define_asset_job(
    "activation_lane", selection=lane_selection(load_config().lane.systems, LANE_SYNCS),
    tags={**WRITER, LANE_TAG: LANE_VALUE},
    description="Time-sensitive automations: ingest new events, rebuild the models between them and the "
                "trigger audiences, run the trigger syncs.",
)

clv_refit_job = dg.define_asset_job(
    "clv_weekly_refit", selection=dg.AssetSelection.assets(clv_fit), tags=WRITER,
    description="Refit and rescore predictive CLV on the marts of the last nightly build.",
)

LANDING_RUN_CONFIG = {"resources": {"warehouse": {"config": {"source": "drops"}}}}

landing_ingest_job = dg.define_asset_job(
    "landing_ingest", selection=dg.AssetSelection.assets(*SYSTEM_ASSETS.values()) - FRESHNESS, tags=WRITER,
    config=LANDING_RUN_CONFIG,
    description="Land vendor export files dropped in <CDW_HOME>/landing (started by the landing sensor, one "
                "run per new file, for the file's system).",
)

JOBS = [main_job, activation_lane_job, clv_refit_job, landing_ingest_job]

defs = dg.Definitions(jobs=JOBS)
