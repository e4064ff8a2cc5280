"""Every dbt model and seed has a steward in the data dictionary: none falls back to the default owner.

Dagster keys dbt models and seeds by their name (orchestration/defs/transformation.py), and takes
their owner from the dictionary's stewardship patterns; an asset no pattern matches gets the
orchestration's ``default_owner``, which is meant for pipeline machinery only, never for data.
The model and seed names are read from the project's files (``models/**/*.sql``,
``seeds/*.csv``), so a new model without a steward fails here.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest

from core.dictionary import DICTIONARY_PATH, load_dictionary, parse_dictionary
from core.settings import REPO_ROOT

MODELS = sorted(path.stem for path in (REPO_ROOT / "models").rglob("*.sql"))
SEEDS = sorted(path.stem for path in (REPO_ROOT / "seeds").glob("*.csv"))


def _best_matches(asset: str) -> set[str]:
    """Stewards whose most specific matching pattern ties for the most specific overall."""
    dictionary = load_dictionary()
    scores: dict[str, int] = {}
    for key, steward in dictionary.stewards.items():
        for pattern in steward.owns:
            if fnmatch.fnmatchcase(asset, pattern):
                scores[key] = max(scores.get(key, -1), len(pattern.replace("*", "")))
    best = max(scores.values(), default=None)
    return {key for key, score in scores.items() if score == best}


def test_the_project_has_models_and_seeds():
    assert len(MODELS) >= 60 and {"dim_customers", "fct_orders", "audience_segments"} <= set(MODELS)
    assert {"lifecycle_thresholds", "rfm_segments", "governed_values"} <= set(SEEDS)


def test_no_model_or_seed_falls_back_to_the_default_owner():
    dictionary = load_dictionary()
    unowned = [name for name in [*MODELS, *SEEDS] if dictionary.steward_for(name) is None]
    assert unowned == [], f"add a stewardship pattern in governance/data_dictionary.yml for {unowned}"


def test_no_model_or_seed_is_claimed_by_two_stewards_equally():
    """Two stewards with equally specific patterns would make the owner depend on the file's order."""
    ambiguous = {name: sorted(keys) for name in [*MODELS, *SEEDS] if len(keys := _best_matches(name)) > 1}
    assert ambiguous == {}


@pytest.mark.parametrize(("asset", "steward"), [
    ("audience_segments", "marketing_events"),
    ("audience_vips_email", "marketing_events"),
    ("trigger_winback", "marketing_events"),
    ("segment_membership", "marketing_events"),
    ("customer_rfm", "marketing_events"),
    ("rfm_segments", "marketing_events"),
    ("kpi_daily_utm_campaigns", "marketing_events"),
    ("dim_customers", "customer_identity"),
    ("customer_id_aliases", "customer_identity"),
    ("int_customer_consent_latest", "customer_identity"),
    ("customer_lifecycle", "customer_identity"),
    ("lifecycle_thresholds", "customer_identity"),
    ("customer_orders", "orders"),
    ("customer_ltv_by_channel", "orders"),
    ("customer_features", "orders"),
    ("customer_clv", "orders"),
    ("cohort_retention_triangle", "orders"),
    ("kpi_daily", "orders"),
    ("int_returns", "orders"),
    ("int_products", "product_catalog"),
    ("kpi_product_returns", "product_catalog"),
    ("governed_values", "platform"),
])
def test_each_kind_of_asset_has_its_sensible_steward(asset: str, steward: str):
    assert load_dictionary().steward_for(asset).key == steward


def test_an_asset_no_pattern_matches_has_no_steward(tmp_path: Path):
    """The check above can fail: without the audience pattern, the audiences have no steward."""
    dictionary = tmp_path / "dictionary.yml"
    text = DICTIONARY_PATH.read_text()
    assert '      - "audience_*"\n' in text
    dictionary.write_text(text.replace('      - "audience_*"\n', ""))
    parsed = parse_dictionary(dictionary)
    assert parsed.steward_for("audience_segments") is None
    assert parsed.steward_for("nobody_owns_this") is None
