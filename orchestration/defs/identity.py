"""Identity match suggestions: the suggestion step (:func:`cdw.steps.suggest`) as an asset.

It runs after the identity graph (it reads ``int_identity_match_inputs``, one row per resolved
profile) and before the ``identity_match_suggestions`` mart that shows its pairs for review.
"""

import dagster as dg

from cdw import steps
from orchestration.checks import retry_transient
from orchestration.keys import MATCH_SUGGESTIONS, model_key
from orchestration.ownership import govern
from orchestration.resources import WRITER_POOL, WarehouseResource, writer

SUGGESTIONS_SPEC = govern(dg.AssetSpec(
    MATCH_SUGGESTIONS, group_name="ml", deps=[model_key("int_identity_match_inputs")], kinds={"python", "duckdb"},
    description="Scored match suggestions: a Fellegi-Sunter model (Splink on DuckDB) trained by EM on the seller's "
                "own profiles (kept in identity_suggestions.match_models and reused until due for training again) "
                "scores pairs the identity rules kept apart (identity_suggestions.match_pairs). "
                "Reviewed in marts.identity_match_suggestions; accepted through seeds/identity_accepted_matches.csv.",
    metadata={"dagster/table_name": "build.identity_suggestions.match_pairs"}))


@dg.multi_asset(specs=[SUGGESTIONS_SPEC], name="identity_suggestions", pool=WRITER_POOL)
def identity_suggestions(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    ctx = warehouse.run_context(context.run.run_id)
    with retry_transient(), writer(ctx, context):
        result = steps.suggest(ctx)
    yield dg.MaterializeResult(asset_key=MATCH_SUGGESTIONS, metadata={
        "profiles": result.profiles, "pairs_scored": result.pairs_scored, "pairs_suggested": result.pairs_suggested,
        "pairs_auto_merge": result.pairs_auto_merge, "model": result.model or "none", "seconds": result.seconds,
        "dagster/row_count": result.pairs_suggested})


defs = dg.Definitions(assets=[identity_suggestions])
