"""One small published demo for every analysts' test (dashboard, metrics, docs, serving comments).

Built once per session with the README's command (`cdw run`) in a temporary home; the whole
package is one unit of work for the test scheduler (tests/conftest.py), so it is built once.
``CDW_TEST_ANALYST_HOME`` points the package at a home already published instead (development).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import Paths

CDW = str(Path(sys.executable).with_name("cdw"))
CUSTOMERS = "600"


def run_cdw(home: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "CDW_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run([CDW, *args], env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def analyst_home(tmp_path_factory) -> Path:
    given = os.environ.get("CDW_TEST_ANALYST_HOME")
    if given:
        return Path(given)
    home = tmp_path_factory.mktemp("analyst_home")
    result = run_cdw(home, "run", "--customers", CUSTOMERS)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (home / "run_summary.txt").write_text(result.stdout)
    return home


@pytest.fixture(scope="session")
def analyst_paths(analyst_home: Path) -> Paths:
    return Paths(analyst_home)
