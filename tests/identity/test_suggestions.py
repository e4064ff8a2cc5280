"""Scored match suggestions (identity/suggest.py): validated on Febrl with its truth, written for
review on the demo warehouse, linked only when accepted (seed) or when auto-merge is configured."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from benchmarks.identity_quality import IDENTITY_SELECTION, run_dbt
from benchmarks.identity_suggestions import evaluate
from identity.suggest import load_config, suggest
from tests.identity.conftest import IdentityDemo, query


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
    assert result.trained == "no trained model yet" and result.model.startswith("model trained")
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
    # The threshold is not the model: the stored one scored these, as a daily run's would.
    assert merged.trained is None and merged.model_trained_at == result.model_trained_at
    assert "reused" in (merged.model or "")


@pytest.mark.slow
def test_a_stored_model_scores_as_it_did_and_trains_again_when_due(demo_copy: IdentityDemo, tmp_path: Path) -> None:
    database = demo_copy.database
    trained = suggest(database)
    pairs = _scored_pairs(database)
    assert trained.trained and pairs
    reused = suggest(database)
    assert reused.trained is None and _scored_pairs(database) == pairs
    assert _models(database) == 1

    # A stored model Splink cannot use, or that is no JSON, is trained again: never a failed run.
    _spoil_latest_model(database, '{"comparisons": "none"}')
    spoiled = suggest(database)
    assert (spoiled.trained or "").startswith("the stored model could not score") and spoiled.pairs_suggested
    _spoil_latest_model(database, "not json")
    unreadable = suggest(database)
    assert (unreadable.trained or "").startswith("the stored model could not be read")
    assert _scored_pairs(database) == pairs and _models(database) == 3

    text = (Path(__file__).resolve().parents[2] / "config" / "identity_matching.yml").read_text()
    every_run = tmp_path / "every_run.yml"
    every_run.write_text(text.replace("retrain_after_days: 7", "retrain_after_days: 0"))
    again = suggest(database, config_path=every_run)
    assert "days old" in (again.trained or "") and again.model_trained_at > trained.model_trained_at
    assert _models(database) == 4

    other_blocks = tmp_path / "other_blocks.yml"
    other_blocks.write_text(text.replace("  - [email_local]\n  - [first_name, last_name, city]",
                                         "  - [first_name, last_name, city]"))
    assert other_blocks.read_text() != text
    changed = suggest(database, config_path=other_blocks)
    assert changed.trained == "the model settings or the compared columns changed"
    assert _models(database) == 5


def _scored_pairs(database: Path) -> list[tuple]:
    return query(database, "select * exclude (scored_at) from identity_suggestions.match_pairs order by all")


def _spoil_latest_model(database: Path, model_json: str) -> None:
    con = duckdb.connect(str(database))
    try:
        con.execute("update identity_suggestions.match_models set model_json = ? where trained_at = "
                    "(select max(trained_at) from identity_suggestions.match_models)", [model_json])
    finally:
        con.close()


def _models(database: Path) -> int:
    return query(database, "select count(*) from identity_suggestions.match_models")[0][0]
