"""Code style is part of the test suite: ruff on all Python (sqlfluff runs in tests/dbt)."""

import subprocess
import sys
from pathlib import Path

from core.settings import REPO_ROOT


def test_ruff_is_clean():
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run([str(ruff), "check", "--no-cache", "."], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:]
