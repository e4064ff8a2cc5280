"""When the suggestion step trains its match model again and when it reuses the stored one
(identity/match_model.py), and that a stored model reads back as it was written."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from identity.match_model import (
    StoredModel,
    ensure_models_table,
    latest_model,
    settings_fingerprint,
    store_model,
    training_reason,
)
from identity.suggest import load_config, model_settings

TRAINED = datetime(2026, 12, 1, 3, 0)
STORED = StoredModel(TRAINED, 100_000, "abc", {"comparisons": []})


def reason(stored: StoredModel | None = STORED, profiles: int = 100_000, fingerprint: str = "abc",
           now: datetime = TRAINED + timedelta(days=1), days: float = 7, growth: float = 0.1) -> str | None:
    return training_reason(stored, profiles, fingerprint, now, days, growth)


def test_a_day_later_with_a_few_more_profiles_the_stored_model_serves() -> None:
    assert reason(profiles=100_400) is None
    assert reason(profiles=110_000) is None  # exactly the allowed growth


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"stored": None}, "no trained model yet"),
    ({"fingerprint": "other"}, "settings or the compared columns changed"),
    ({"now": TRAINED + timedelta(days=7)}, "7.0 days old (retrain_after_days: 7)"),
    ({"days": 0, "now": TRAINED}, "0.0 days old (retrain_after_days: 0)"),
    ({"profiles": 110_001}, "from 100,000 to 110,001 since it was trained (retrain_after_growth: 10%)"),
    ({"profiles": 80_000}, "from 100,000 to 80,000"),
])
def test_the_model_is_trained_again_and_says_why(kwargs: dict, expected: str) -> None:
    assert expected in (reason(**kwargs) or "")


def test_the_fingerprint_follows_the_columns_and_the_model_settings_not_the_threshold() -> None:
    config = load_config()
    base = settings_fingerprint(["first_name", "phone"], model_settings(config))
    assert settings_fingerprint(["first_name", "phone"], model_settings(config)) == base
    assert settings_fingerprint(["first_name"], model_settings(config)) != base
    changed = model_settings(config) | {"blocking_rules": [["phone"]]}
    assert settings_fingerprint(["first_name", "phone"], changed) != base
    assert "suggest_match_weight" not in model_settings(config)


def test_the_latest_stored_model_reads_back_as_written(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_models_table(con)
    ensure_models_table(con)  # again: nothing lost
    assert latest_model(con) is None
    store_model(con, STORED)
    newer = StoredModel(TRAINED + timedelta(days=7), 120_000, "def",
                        {"probability_two_random_records_match": 1.2345678901234567e-05, "comparisons": [{"m": 0.1}]})
    store_model(con, newer)
    assert latest_model(con) == newer
    assert con.execute("select count(*) from identity_suggestions.match_models").fetchall() == [(2,)]
