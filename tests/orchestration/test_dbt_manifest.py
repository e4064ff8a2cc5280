"""Dagster's dbt manifest is parsed again when any file of the dbt project is newer than it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from core import dbt_parse
from orchestration.dbt_manifest import ensure_manifest


def test_the_newest_change_covers_every_kind_of_project_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    packages = tmp_path / "packages.yml"
    models = tmp_path / "models"
    (models / "staging").mkdir(parents=True)
    packages.write_text("packages: []\n")
    model = models / "staging" / "stg_a.sql"
    model.write_text("select 1 as a")
    monkeypatch.setattr(dbt_parse, "_project_folders", lambda: [packages, models, tmp_path / "absent"])
    os.utime(packages, (100, 100))
    os.utime(model, (200, 200))
    assert dbt_parse.newest_project_change() == 200
    os.utime(packages, (300, 300))
    assert dbt_parse.newest_project_change() == 300, "packages.yml changes what dbt parses"


def test_a_manifest_older_than_the_project_is_parsed_again_and_a_current_one_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDW_HOME", str(tmp_path / "home"))
    manifest = tmp_path / "dagster" / "manifest.json"
    manifest.parent.mkdir()
    manifest.write_text("{}")
    os.utime(manifest, (1, 1))  # older than every project file

    ensure_manifest(manifest)
    parsed = json.loads(manifest.read_text())
    assert "model.customer_warehouse.fct_orders" in parsed["nodes"]
    assert manifest.stat().st_mtime >= dbt_parse.newest_project_change()
    assert [p.name for p in manifest.parent.iterdir()] == ["manifest.json"], "the scratch parse folder is removed"

    manifest.write_text('{"kept": true}')  # now newer than the project: left as it is
    ensure_manifest(manifest)
    assert json.loads(manifest.read_text()) == {"kept": True}
