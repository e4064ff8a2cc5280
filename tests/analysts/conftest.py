"""One small published demo for every analysts' test (dashboard, metrics, docs, serving comments).

A copy of the session's shared demo (tests/shared_demo.py: the README's command, `cdw run`, in an
empty home); the whole package is one unit of work for the test scheduler (tests/conftest.py).
``CDW_TEST_ANALYST_HOME`` points the package at a home already published instead (development).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from core.settings import Paths
from tests.shared_demo import SharedDemo, cdw, copy_home


def run_cdw(home: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return cdw(home, *args, timeout=timeout)


@pytest.fixture(scope="session")
def analyst_home(tmp_path_factory, shared_demo: SharedDemo) -> Path:
    given = os.environ.get("CDW_TEST_ANALYST_HOME")
    if given:
        return Path(given)
    home = copy_home(shared_demo, tmp_path_factory.mktemp("analysts") / "home")
    (home / "run_summary.txt").write_text(shared_demo.stdout)
    return home


@pytest.fixture(scope="session")
def analyst_paths(analyst_home: Path) -> Paths:
    return Paths(analyst_home)
