"""Generated dbt files follow the dictionary; the dictionary is the only place allowed values are written."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

from cdw.settings import DBT_PROJECT_DIR, REPO_ROOT
from governance import generate
from governance.dictionary import DICTIONARY_PATH, load_dictionary


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


def test_dbt_generic_tests_read_the_generated_seed(tmp_path: Path):
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
    (project / "models" / "models.yml").write_text(MODELS + "".join(MODEL.format(name=n) for n in CASES))
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
    assert len(outcomes) == 6
    assert failed == ["dictionary_format_bad_email_email__email",
                      "dictionary_values_bad_status_customer_status__customer_status"]
