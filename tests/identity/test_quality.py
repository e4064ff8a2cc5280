"""Pairwise precision and recall of the identity graph against the demo generator's truth."""

from __future__ import annotations

from benchmarks.identity_quality import score, score_phenomena
from tests.identity.conftest import IdentityDemo

# Thresholds asserted on the test demo (2,000 customers). See benchmarks/identity_quality.py for
# the populations and the figures on the default demo (20,000 customers).
MIN_RECALL = 0.97
MIN_PRECISION = 0.995


def test_pairwise_precision_and_recall(identity_demo: IdentityDemo) -> None:
    scores = score(identity_demo.database, identity_demo.truth)
    for population, figures in scores.items():
        print(f"{population}: precision {figures['precision']:.4f}, recall {figures['recall']:.4f}, "
              f"{figures['records']:.0f} records of {figures['persons']:.0f} persons")
    for population in ("all_records", "identity_records", "carrying_identity"):
        figures = scores[population]
        assert figures["recall"] >= MIN_RECALL, (population, figures)
        assert figures["precision"] >= MIN_PRECISION, (population, figures)


def test_precision_and_recall_per_phenomenon(identity_demo: IdentityDemo) -> None:
    """Every phenomenon of demo/phenomena.py is scored; none falls far behind (the 20k figures and
    the targets are in the README)."""
    per_phenomenon = score_phenomena(identity_demo.database, identity_demo.truth)
    for name, figures in per_phenomenon.items():
        print(f"{name:<18} precision {figures['precision']:.4f} recall {figures['recall']:.4f} "
              f"({figures['records']:.0f} records)")
    assert {"gift_order", "name_typo", "nickname", "household", "many_accounts", "sms_only",
            "ticket_order_ref"} <= set(per_phenomenon)
    for name, figures in per_phenomenon.items():
        assert figures["precision"] >= 0.93 and figures["recall"] >= 0.9, (name, figures)


def test_match_rates_are_reported(identity_demo: IdentityDemo) -> None:
    rows = dict(((metric, kind), (rate, numerator, denominator)) for metric, kind, rate, numerator, denominator
                in identity_demo.query("select metric, profile_type, match_rate, numerator, denominator "
                                       "from marts.identity_match_rate"))
    rate, numerator, denominator = rows[("people_in_two_or_more_systems", "all")]
    assert 0.3 < rate < 0.9 and numerator <= denominator
    rate, _, _ = rows[("marketplace_buyers_linked_to_owned_channel", "all")]
    # Buyers on both channels are ~40% of Amazon buyers in the demo (roles both vs amazon-only).
    assert 0.25 < rate < 0.6
