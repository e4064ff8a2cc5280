"""A benchmark's scratch folder (benchmarks/scratch.py): an L run writes about 30 GB there, and must not leave
it behind."""

from __future__ import annotations

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
