"""Generated dbt files follow the dictionary; the dictionary is the only place allowed values are written."""

from __future__ import annotations

import csv
import fnmatch
import os
import shutil
from pathlib import Path

from core.dictionary import DICTIONARY_PATH, load_dictionary
from core.settings import DBT_PROJECT_DIR, REPO_ROOT
from governance import generate


def test_generated_files_are_up_to_date():
    assert generate.stale_files() == [], "run `python -m governance.generate`"


def test_adding_a_value_in_the_dictionary_is_all_it_takes(tmp_path: Path):
    dictionary = tmp_path / "dictionary.yml"
    dictionary.write_text(DICTIONARY_PATH.read_text().replace(
        "allowed_values: [prospect, active, lapsed]", "allowed_values: [prospect, active, lapsed, dormant]"))
    root = tmp_path / "repo"
    for item in generate.generated_files(load_dictionary()):
        (root / item.path).parent.mkdir(parents=True, exist_ok=True)
        (root / item.path).write_text(item.text)
    assert generate.stale_files(root, dictionary) == [generate.DOCS_FILE, generate.SEED_FILE]
    assert generate.write_files(root, dictionary) == [generate.DOCS_FILE, generate.SEED_FILE]
    rows = list(csv.DictReader((root / generate.SEED_FILE).open()))
    assert {"field": "customer_status", "kind": "allowed_value", "value": "dormant"} in rows
    assert "`dormant`" in (root / generate.DOCS_FILE).read_text()
    assert generate.stale_files(root, dictionary) == []


def test_check_mode_exits_non_zero_on_drift(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setattr(generate, "stale_files", lambda: [generate.SEED_FILE])
    assert generate.main(["--check"]) == 1
    assert "seeds/governed_values.csv" in capsys.readouterr().out


def test_no_allowed_value_list_is_written_in_code():
    """Code reads allowed values from the dictionary: no Python module restates a governed value list."""
    dictionary = load_dictionary()
    offenders = []
    for folder in ("cdw", "expectations", "governance", "orchestration", "activation"):
        for path in (REPO_ROOT / folder).rglob("*.py"):
            text = path.read_text()
            for spec in dictionary.fields.values():
                values = spec.allowed_values
                if len(values) >= 3 and all(f'"{v}"' in text or f"'{v}'" in text for v in values):
                    offenders.append(f"{path.relative_to(REPO_ROOT)}: {spec.name}")
    assert offenders == []


PROJECT = """
name: governance_check
version: "1.0"
profile: governance_check
model-paths: ["models"]
seed-paths: ["seeds"]
macro-paths: ["macros"]
"""
PROFILE = """
governance_check:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{path}"
"""
MODELS = """
version: 2
models:
"""
MODEL = """
  - name: {name}
    columns:
      - name: customer_status
        data_tests:
          - dictionary_values:
              arguments:
                field: customer_status
      - name: email
        data_tests:
          - dictionary_format:
              arguments:
                field: email
"""
CASES = {"clean": ("active", "ann@example.com"), "bad_status": ("vip", "ann@example.com"),
         "bad_email": ("lapsed", "not-an-email")}
AUDIENCE = """
  - name: {name}
    columns:
      - name: consent_email
        data_tests:
          - holds_consent
      - name: is_suppressed
        data_tests:
          - not_suppressed
"""
# audience rows: (consent_email, is_suppressed); a null consent is no consent, a null flag no suppression
AUDIENCE_CASES = {"sendable": ("true", "null"), "unconsented": ("null", "false"), "suppressed": ("true", "true")}


def test_dbt_generic_tests_read_the_generated_seed(tmp_path: Path):
    """dictionary_values / dictionary_format read the generated seed; holds_consent / not_suppressed
    enforce the audience rules; each fails exactly on the row that breaks its rule."""
    from dbt.cli.main import dbtRunner

    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "seeds").mkdir()
    shutil.copytree(DBT_PROJECT_DIR / "macros" / "governance", project / "macros" / "governance")
    (project / "dbt_project.yml").write_text(PROJECT)
    (project / "profiles.yml").write_text(PROFILE.format(path=tmp_path / "dbt.duckdb"))
    (project / "seeds" / "governed_values.csv").write_text((REPO_ROOT / generate.SEED_FILE).read_text())
    (project / "models" / "governed_values.yml").write_text((REPO_ROOT / generate.SEED_PROPERTIES_FILE).read_text())
    for name, (status, email) in CASES.items():
        (project / "models" / f"{name}.sql").write_text(
            f"select 1 as customer_id, '{status}' as customer_status, '{email}' as email")
    for name, (consent, suppressed) in AUDIENCE_CASES.items():
        (project / "models" / f"{name}.sql").write_text(
            f"select 1 as customer_id, cast({consent} as boolean) as consent_email, "
            f"cast({suppressed} as boolean) as is_suppressed union all select 2, true, false")
    (project / "models" / "models.yml").write_text(MODELS + "".join(MODEL.format(name=n) for n in CASES)
                                                  + "".join(AUDIENCE.format(name=n) for n in AUDIENCE_CASES))
    cwd = os.getcwd()
    try:
        result = dbtRunner().invoke(["build", "--project-dir", str(project), "--profiles-dir", str(project),
                                     "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
                                     "--quiet"])
    finally:
        os.chdir(cwd)
    assert result.exception is None
    outcomes = {r.node.name: str(r.status) for r in result.result.results if r.node.resource_type == "test"}
    failed = sorted(name for name, status in outcomes.items() if status == "fail")
    assert len(outcomes) == 12
    assert failed == ["dictionary_format_bad_email_email__email",
                      "dictionary_values_bad_status_customer_status__customer_status",
                      "holds_consent_unconsented_consent_email",
                      "not_suppressed_suppressed_is_suppressed"]


SCHEMAS = {"models/staging": "staging", "models/intermediate": "intermediate", "models/marts": "marts",
           "seeds": "seeds"}


def _accepted_values(path: Path):
    """(relation, column, values) of every accepted_values test in a dbt properties file."""
    import yaml

    doc = yaml.safe_load(path.read_text()) or {}
    for kind in ("models", "seeds", "snapshots"):
        for node in doc.get(kind) or []:
            for column in node.get("columns") or []:
                for test in column.get("data_tests") or column.get("tests") or []:
                    if isinstance(test, dict) and "accepted_values" in test:
                        spec = test["accepted_values"] or {}
                        values = (spec.get("arguments") or spec).get("values") or []
                        yield node["name"], column["name"], [str(v).replace("''", "'") for v in values]


def _restated(relation: str, schema: str, column: str, values: list[str], dictionary) -> str | None:
    """The governed field a literal list restates: the column is one of the field's targets, or its
    values (at least two) are among the field's allowed values. (A column merely named like a field
    is not enough: staging's `event_name` is the vendor's name, not the canonical one.)"""
    for spec in dictionary.fields.values():
        allowed = {str(v) for v in spec.allowed_values}
        targeted = any(fnmatch.fnmatchcase(f"{schema}.{relation}", r) and fnmatch.fnmatchcase(column, c)
                       for r, c in spec.targets())
        if allowed and (targeted or (len(values) >= 2 and set(values) <= allowed)):
            return spec.name
    return None


def test_no_governed_value_list_is_written_in_a_dbt_yml():
    """dbt ymls test governed fields with `dictionary_values` (the generated seed), never a literal list."""
    dictionary = load_dictionary()
    found = set()
    for folder, schema in SCHEMAS.items():
        for path in sorted((REPO_ROOT / folder).rglob("*.yml")):
            for relation, column, values in _accepted_values(path):
                if _restated(relation, schema, column, values, dictionary):
                    found.add(f"{path.relative_to(REPO_ROOT)}: {column}")
    assert found == set(), "use the dictionary_values test (see dbt_project/macros/governance)"


def test_a_restated_governed_list_is_recognised():
    dictionary = load_dictionary()
    assert _restated("fct_orders", "marts", "channel_source", ["Amazon", "DTC"], dictionary) == "channel_source"
    assert _restated("anything", "marts", "status", ["prospect", "lapsed"], dictionary) == "customer_status"
    assert _restated("customer_rfm", "marts", "segment", ["Can't Lose Them", "Lost"], dictionary) == "rfm_segment"
    assert _restated("trigger_welcome", "marts", "message_channel", ["email", "sms"], dictionary) is None
    assert _restated("fct_orders", "marts", "source_system", ["shopify", "amazon"], dictionary) is None
    assert _restated("stg_shopify__pixel_events", "staging", "event_name", ["page_viewed", "cart_viewed"],
                     dictionary) is None


def _properties() -> dict[str, dict]:
    """Model and seed name -> its entry in the dbt properties files."""
    import yaml

    from governance.dbt_owners import properties_files

    entries: dict[str, dict] = {}
    for path in properties_files(REPO_ROOT):
        document = yaml.safe_load((REPO_ROOT / path).read_text()) or {}
        for section in ("models", "seeds"):
            for entry in document.get(section) or []:
                entries[entry["name"]] = entry
    return entries


def test_every_model_and_seed_names_its_stewards_owner_in_dbt_docs():
    dictionary = load_dictionary()
    entries = _properties()
    names = [p.stem for p in (REPO_ROOT / "models").rglob("*.sql")] + [
        p.stem for p in (REPO_ROOT / "seeds").glob("*.csv")]
    assert len(names) > 90
    wrong = {}
    for name in names:
        owner = ((entries.get(name) or {}).get("config") or {}).get("meta", {}).get("owner")
        steward = dictionary.steward_for(name)
        if steward is None or owner != steward.owner:
            wrong[name] = (owner, steward and steward.owner)
    assert not wrong, f"(dbt docs owner, dictionary owner): {wrong}"


def test_owners_are_written_without_touching_anything_else():
    from governance.dbt_owners import with_owners

    dictionary = load_dictionary()
    text = """# a comment that stays
models:
  - name: fct_orders
    description: >
      Folded text stays.
    columns:
      - name: order_key
        config:
          meta:
            owner: a column's meta is not the model's
  - name: customer_value
    config:
      materialized: view
      meta:
        owner: marketing  # hand-written
  - name: dim_customers
    config:
      tags: ["x"]

unit_tests:
  - name: test_x
    model: fct_orders
    given:
      - input: ref('stg_shopify__orders')
        rows:
          - {order_id: 1}
"""
    once = with_owners(text, dictionary)
    assert with_owners(once, dictionary) == once
    orders = dictionary.steward_for("fct_orders").owner
    identity = dictionary.steward_for("dim_customers").owner
    assert f"""  - name: fct_orders
    description: >
      Folded text stays.
    config:
      meta:
        owner: "{orders}"
    columns:
      - name: order_key
        config:
          meta:
            owner: a column's meta is not the model's
""" in once
    assert f'        owner: "{dictionary.steward_for("customer_value").owner}"  # hand-written\n' in once
    assert f"""    config:
      meta:
        owner: "{identity}"
      tags: ["x"]

unit_tests:""" in once
    assert once.startswith("# a comment that stays\n") and once.endswith("          - {order_id: 1}\n")
