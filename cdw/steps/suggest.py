"""The identity suggestion step: scored pairs of profiles the rules kept apart, for a data owner to review.

Runs between the two build phases (after the identity graph, before ``identity_match_suggestions``):
a Fellegi-Sunter model (Splink on DuckDB) trained on the seller's own profiles writes
``identity_suggestions.match_pairs``. Nothing merges silently (``config/identity_matching.yml``).
"""

from __future__ import annotations

from cdw.context import RunContext
from identity.suggest import SuggestResult
from identity.suggest import suggest as suggest_pairs


def suggest(ctx: RunContext) -> SuggestResult:
    """Score and store the match suggestions of the build warehouse's profiles."""
    return suggest_pairs(ctx.paths.build_db)
