"""Scored match suggestions (identity/suggest.py): validated on Febrl with its truth, written for
review on the demo warehouse, linked only when accepted (seed) or when auto-merge is configured."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from benchmarks.identity_quality import IDENTITY_SELECTION, run_dbt
from benchmarks.identity_suggestions import evaluate
from identity.suggest import load_config, suggest
from tests.identity.conftest import IdentityDemo


def test_febrl_suggestions_precision_and_recall() -> None:
    result = evaluate("febrl1")
    figures = result["at_threshold"]
    print(f"febrl1 at match weight {figures['match_weight']}: precision {figures['precision']:.4f}, "
          f"recall {figures['recall']:.4f} ({figures['suggested']} suggested, {result['true_pairs']} true pairs)")
    assert figures["precision"] >= 0.99
    assert figures["recall"] >= 0.85


def test_default_config_never_auto_merges() -> None:
    assert load_config().auto_merge_match_weight is None


def _suggestions(database: Path) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute("select record_id_a, record_id_b, customer_id_a, customer_id_b, suggestion_status, "
                           "match_weight, comparison_vector, is_auto_merge from marts.identity_match_suggestions "
                           "order by match_weight desc").fetchall()
    finally:
        con.close()


@pytest.mark.slow
def test_suggestions_are_reviewed_then_linked(demo_copy: IdentityDemo, tmp_path: Path) -> None:
    database = demo_copy.database
    result = suggest(database)
    assert result.profiles > 1000 and result.pairs_auto_merge == 0
    run_dbt(["build", "--select", "identity_match_suggestions"], database, demo_copy.work_dir)
    rows = _suggestions(database)
    assert rows, "the demo has near-duplicate profiles the rules kept apart"
    threshold = load_config().suggest_match_weight
    for record_a, record_b, customer_a, customer_b, status, weight, vector, auto in rows:
        assert weight >= threshold and not auto and status == "pending_review"
        assert customer_a != customer_b and "first_name=" in vector and record_a < record_b

    # A data owner accepts the best pair: after the next build its two profiles are one customer.
    record_a, record_b = rows[0][0], rows[0][1]
    con = duckdb.connect(str(database))
    try:
        con.execute("insert into seeds.identity_accepted_matches values (?, ?, 'accepted', 'identity owner', "
                    "timestamp '2026-11-01 10:00:00', 'same person, new e-mail')", [record_a, record_b])
    finally:
        con.close()
    run_dbt(["build", "--select", *IDENTITY_SELECTION, "--exclude", "identity_accepted_matches",
             "--indirect-selection", "cautious"], database, demo_copy.work_dir)
    accepted = {(r[0], r[1]): r for r in _suggestions(database)}[(record_a, record_b)]
    assert accepted[2] == accepted[3] and accepted[4] == "linked"
    con = duckdb.connect(str(database), read_only=True)
    try:
        rule = con.execute("select rule_name, is_active from marts.identity_links where identifier_type = "
                           "'accepted_match' and identifier_value = ?", [f"{record_a}|{record_b}"]).fetchall()
    finally:
        con.close()
    assert rule == [("exact_match:accepted_match", True)]

    # Auto-merge only when configured: a threshold below every suggested weight links them all.
    config = tmp_path / "matching.yml"
    text = (Path(__file__).resolve().parents[2] / "config" / "identity_matching.yml").read_text()
    config.write_text(text.replace("auto_merge_match_weight: null", f"auto_merge_match_weight: {threshold}"))
    merged = suggest(database, config_path=config)
    assert merged.pairs_auto_merge == merged.pairs_suggested > 0
