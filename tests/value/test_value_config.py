"""Configuration of the value marts: the RFM segment rules, lifecycle thresholds, project vars."""

from __future__ import annotations

import csv
import itertools
import re
from pathlib import Path

import yaml

from core.settings import DBT_PROJECT_DIR, REPO_ROOT

SEEDS = REPO_ROOT / "seeds"
SEGMENTS = {"Champions", "Loyal Customers", "Potential Loyalist", "New Customers", "Promising", "Need Attention",
            "About To Sleep", "At Risk", "Can't Lose Them", "Hibernating", "Lost"}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def first_match(rules: list[dict[str, str]], r: int, f: int, m: int) -> str | None:
    for rule in sorted(rules, key=lambda rule: int(rule["precedence"])):
        if all(int(rule[f"{s}_score_min"]) <= v <= int(rule[f"{s}_score_max"]) for s, v in zip("rfm", (r, f, m),
                                                                                                 strict=True)):
            return rule["rfm_segment"]
    return None


def test_rfm_rules_name_every_segment_and_cover_every_score() -> None:
    rules = _rows(SEEDS / "rfm_segments.csv")
    assert {r["rfm_segment"] for r in rules} == SEGMENTS
    assert sorted(int(r["precedence"]) for r in rules) == list(range(1, len(rules) + 1))
    assigned = {cell: first_match(rules, *cell) for cell in itertools.product(range(1, 6), repeat=3)}
    assert None not in assigned.values(), [c for c, s in assigned.items() if s is None]
    # every segment is reachable: no rule is hidden behind rules of higher precedence
    assert set(assigned.values()) == SEGMENTS


def test_rfm_precedence_decides_overlaps() -> None:
    rules = _rows(SEEDS / "rfm_segments.csv")
    assert first_match(rules, 5, 5, 5) == "Champions"          # also a Loyal Customer
    assert first_match(rules, 1, 5, 5) == "Can't Lose Them"    # also At Risk
    assert first_match(rules, 1, 1, 1) == "Lost"


def test_lifecycle_thresholds_are_ordered_and_map_to_the_dictionary() -> None:
    rows = {r["lifecycle_stage"]: r for r in _rows(SEEDS / "lifecycle_thresholds.csv")}
    assert set(rows) == {"prospect", "new", "active", "at_risk", "lapsed", "churned"}
    days = {stage: int(rows[stage]["threshold_days"]) for stage in ("new", "at_risk", "lapsed", "churned")}
    assert days == {"new": 30, "at_risk": 60, "lapsed": 90, "churned": 120}
    assert days["at_risk"] < days["lapsed"] < days["churned"]
    dictionary = yaml.safe_load((REPO_ROOT / "governance" / "data_dictionary.yml").read_text())
    allowed = set(dictionary["fields"]["customer_status"]["allowed_values"])
    assert {r["customer_status"] for r in rows.values()} == allowed


def test_every_value_var_is_mirrored_in_sqlfluff() -> None:
    project_vars = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    mirrored = set(re.findall(r"'(\w+)':", (REPO_ROOT / ".sqlfluff").read_text()))
    missing = sorted(v for v in project_vars if v.startswith("value_") and v not in mirrored)
    assert not missing, f"add to the dbt_var macro of .sqlfluff: {missing}"


def test_segments_are_configured_with_owner_description_and_rule() -> None:
    spec = yaml.safe_load((REPO_ROOT / "models" / "marts" / "value" / "segment_membership.yml").read_text())
    segments = spec["models"][0]["config"]["meta"]["segments"]
    names = [s["name"] for s in segments]
    assert len(names) == len(set(names)) == 11
    for segment in segments:
        assert segment["owner"] and segment["description"] and segment["rule"], segment["name"]
        assert re.fullmatch(r"[a-z][a-z0-9_]*", segment["name"])
    exclusive = sorted(s["precedence"] for s in segments if "precedence" in s)
    assert exclusive == list(range(1, len(exclusive) + 1))


def test_syncs_point_at_value_audiences() -> None:
    from activation.config import load_config

    models = {p.stem for p in (REPO_ROOT / "models" / "marts" / "activation").glob("*.sql")}
    for sync in load_config(env={}).syncs.values():
        schema, name = sync.relation.split(".")
        assert schema == "marts" and name in models, sync.name
        assert name.startswith(("audience_", "trigger_"))
