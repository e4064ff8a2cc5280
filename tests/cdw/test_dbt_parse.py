"""The dbt project is parsed once per process and project state; each command still gets its own vars."""

from __future__ import annotations

import json
import time
from pathlib import Path

import duckdb
import pytest

from core import dbt_parse
from core.dbt import run_dbt
from core.settings import Paths

MODEL = "int_customer_consent_latest"
"""Reads the as-of (nothing after it counts) and only other models: compiles without raw data."""


def _compiled(paths: Paths) -> str:
    [sql] = (paths.home / "dbt" / "target" / "compiled").rglob(f"{MODEL}.sql")
    return sql.read_text()


def test_each_command_renders_its_own_as_of_on_a_manifest_parsed_once(tmp_path: Path) -> None:
    dbt_parse.forget()
    first, second = Paths(tmp_path / "first").ensure(), Paths(tmp_path / "second").ensure()
    for paths, day in ((first, "2024-01-31"), (second, "2025-06-30"), (first, "2025-07-01")):
        result = run_dbt(paths, ["compile", "--select", MODEL], as_of=day)
        assert result.success, result.failures
        assert f"'{day} 23:59:59.999999'" in _compiled(paths), f"the as-of {day} did not reach the SQL"
    # the second home never parsed (no partial-parse state of its own), yet holds the manifest the
    # run summary, the serving docs and the Dagster mirror read
    target = second.home / "dbt" / "target"
    assert not (target / "partial_parse.msgpack").exists()
    manifest = json.loads((target / "manifest.json").read_text())
    assert f"model.customer_warehouse.{MODEL}" in manifest["nodes"]
    assert (target / "semantic_manifest.json").exists()


def test_a_parse_is_kept_only_while_the_project_files_stay_as_they_are(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    dbt_parse.forget()
    project = tmp_path / "models"
    (project / "staging").mkdir(parents=True)
    model = project / "staging" / "stg_a.sql"
    model.write_text("select 1 as a")
    monkeypatch.setattr(dbt_parse, "_project_folders", lambda: [project])
    manifest = object()
    dbt_parse.remember("build", manifest, tmp_path / "target")
    assert dbt_parse.cached("build") is manifest
    assert dbt_parse.cached("other_warehouse") is None, "nodes name their database: never shared across names"

    time.sleep(0.01)
    model.write_text("select 2 as a")
    assert dbt_parse.cached("build") is None, "an edited model must be parsed again"

    dbt_parse.remember("build", manifest, tmp_path / "target")
    (project / "staging" / "stg_b.sql").write_text("select 1 as b")
    assert dbt_parse.cached("build") is None, "a new model must be parsed"


def test_a_new_process_reads_the_saved_parse_unless_an_env_var_it_read_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(dbt_parse.PARSE_CACHE_ENV, str(tmp_path / "cache"))
    dbt_parse.forget()
    first = Paths(tmp_path / "first").ensure()
    assert run_dbt(first, ["compile", "--select", MODEL], as_of="2024-01-31").success
    [saved] = (tmp_path / "cache").glob("build-*.msgpack")

    dbt_parse.forget()  # what a new process starts with
    manifest = dbt_parse.cached("build")
    assert manifest is not None and f"model.customer_warehouse.{MODEL}" in manifest.nodes
    assert manifest.flat_graph and manifest.child_map, "finished as dbt finishes a parse"
    second = Paths(tmp_path / "second").ensure()
    assert run_dbt(second, ["compile", "--select", MODEL], as_of="2025-06-30").success
    assert "'2025-06-30 23:59:59.999999'" in _compiled(second)
    assert not (second.home / "dbt" / "target" / "partial_parse.msgpack").exists(), "the second home parsed"
    assert (second.home / "dbt" / "target" / "manifest.json").exists()
    # `dbt parse` in a new home (Dagster's manifest, the metrics' semantic manifest) reads it too
    dbt_parse.forget()
    third = Paths(tmp_path / "third").ensure()
    assert run_dbt(third, ["parse"]).success
    target = third.home / "dbt" / "target"
    assert {p.name for p in target.iterdir()} >= {"manifest.json", "semantic_manifest.json"}
    assert not (target / "partial_parse.msgpack").exists(), "the third home parsed"

    # a parse that read an env var holds only while the variable keeps its value
    from dbt.parser.manifest import extended_mashumaro_encoder

    manifest.env_vars["CDW_TEST_PARSE_VAR"] = "one"
    saved.write_bytes(manifest.to_msgpack(extended_mashumaro_encoder))
    dbt_parse.forget()
    monkeypatch.setenv("CDW_TEST_PARSE_VAR", "two")
    assert dbt_parse.cached("build") is None
    monkeypatch.setenv("CDW_TEST_PARSE_VAR", "one")
    assert dbt_parse.cached("build") is not None

    saved.write_bytes(b"not a manifest")
    dbt_parse.forget()
    assert dbt_parse.cached("build") is None and not saved.exists(), "a damaged entry is dropped, then parsed again"
    monkeypatch.setenv(dbt_parse.PARSE_CACHE_ENV, "off")
    dbt_parse.forget()
    assert dbt_parse.cached("build") is None


def _moved(manifest, elsewhere: str):
    """The manifest as a checkout of the project in ``elsewhere`` parsed it (seeds carry the folder)."""
    for node in manifest.nodes.values():
        if getattr(node, "root_path", None) is not None:
            node.root_path = elsewhere
    return manifest


def test_a_home_reused_from_a_checkout_elsewhere_parses_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """dbt's partial parse state (in the home) and the saved parses are keyed by paths inside the
    project: left by a checkout in another folder (a moved repository, a second clone using the same
    home), they gave seeds whose CSV files were looked for in that folder, and the build failed."""
    from dbt.contracts.graph.manifest import Manifest
    from dbt.parser.manifest import extended_mashumaro_encoder, extended_mashumuro_decoder

    monkeypatch.setenv(dbt_parse.PARSE_CACHE_ENV, str(tmp_path / "cache"))
    dbt_parse.forget()
    paths = Paths(tmp_path / "home").ensure()
    assert run_dbt(paths, ["parse"]).success
    state = paths.home / "dbt" / "target" / "partial_parse.msgpack"
    elsewhere = str(tmp_path / "old-checkout" / "dbt_project")
    manifest = _moved(Manifest.from_msgpack(state.read_bytes(), decoder=extended_mashumuro_decoder), elsewhere)
    state.write_bytes(manifest.to_msgpack(extended_mashumaro_encoder))
    [saved] = (tmp_path / "cache").glob("*.msgpack")
    saved.write_bytes(manifest.to_msgpack(extended_mashumaro_encoder))

    dbt_parse.forget()  # a new process
    result = run_dbt(paths, ["seed", "--select", "event_mapping"])
    assert result.success, result.failures
    dbt_parse.forget()  # the next process reads the parse saved now: this checkout's
    here = str(Path(dbt_parse.DBT_PROJECT_DIR).resolve())
    assert {getattr(node, "root_path", None) for node in dbt_parse.cached("build").nodes.values()} - {None} == {here}
    with duckdb.connect(str(paths.build_db), read_only=True) as con:
        assert con.execute("select count(*) from seeds.event_mapping").fetchone()[0] > 0
