"""A benchmark's scratch folder (benchmarks/scratch.py): an L run writes about 30 GB there, and must not leave
it behind."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from benchmarks.scratch import run_root


def test_the_temp_home_is_removed_however_the_run_ends():
    with run_root(None, prefix="cdw-test-") as finished:
        (finished / "home").mkdir()
        (finished / "home" / "build.duckdb").write_bytes(b"x" * 1024)
    assert not finished.exists()
    with pytest.raises(RuntimeError), run_root(None, prefix="cdw-test-") as failed:
        (failed / "split").mkdir()
        raise RuntimeError("the full run was blocked")
    assert not failed.exists()


def test_a_home_asked_for_is_kept(tmp_path: Path):
    with run_root(tmp_path / "kept", prefix="cdw-test-") as root:
        root.mkdir()
        (root / "build.duckdb").write_bytes(b"x")
    assert root == tmp_path / "kept" and (root / "build.duckdb").exists()


def test_the_pipeline_benchmark_removes_its_temp_home_when_the_run_fails(monkeypatch: pytest.MonkeyPatch):
    from benchmarks import pipeline

    homes: list[Path] = []

    def blocked(customers: int, seed: int):
        homes.append(Path(os.environ["CDW_HOME"]))
        (homes[0] / "build.duckdb").write_bytes(b"x")
        raise RuntimeError("the main job was blocked")

    monkeypatch.delenv("CDW_HOME", raising=False)
    monkeypatch.setattr(pipeline, "run", blocked)
    monkeypatch.setattr(sys, "argv", ["pipeline.py", "--customers", "300"])
    with pytest.raises(RuntimeError):
        pipeline.main()
    assert homes and homes[0].name.startswith("cdw-bench-") and not homes[0].exists()


@pytest.mark.parametrize("kept", [False, True])
def test_the_identity_quality_report_names_a_warehouse_only_when_it_is_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], kept: bool):
    """Without --workdir the demo warehouse is removed at the end: the JSON must not point at it."""
    import json

    from benchmarks import identity_quality

    def measured(base: Path, customers: int, seed: int) -> dict:
        (base / "build.duckdb").write_bytes(b"x")
        return {"customers": customers, "seed": seed, "scores": {}, "phenomena": {}}

    monkeypatch.setattr(identity_quality, "measure", measured)
    workdir = tmp_path / "work"
    assert identity_quality.main(["--customers", "300", *(["--workdir", str(workdir)] if kept else [])]) == 0
    printed = capsys.readouterr().out
    report = json.loads(printed[printed.index("\n{") + 1:])
    if kept:
        assert report["warehouse"] == str(workdir / "build.duckdb") and Path(report["warehouse"]).exists()
    else:
        assert report["warehouse"] is None
