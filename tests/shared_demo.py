"""One demo warehouse per test session, built by the README's command from an empty home and copied
by every test module that needs a published demo instead of building its own.

Building costs about two minutes on the CI machine (dbt's parse, ~800 models and tests, the checks,
the publish); the copies cost a second. With ``pytest -n 2`` the first worker that asks builds it
under a lock in the session's shared temporary folder and the other waits for it. A home is
relocatable (nothing under it depends on where it lives), so a copy behaves as the original, and
each module's copy is its own to change.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CDW = str(Path(sys.executable).with_name("cdw"))
CUSTOMERS = 600


@dataclass(frozen=True)
class SharedDemo:
    home: Path  # never changed after the build: copy it (:func:`copy_home`)
    returncode: int
    stdout: str
    stderr: str

    def require_success(self) -> None:
        assert self.returncode == 0, self.stdout[-3000:] + self.stderr[-3000:]


def cdw(home: Path, *args: str, timeout: float = 1200, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "CDW_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run([CDW, *args], env=env, capture_output=True, text=True, timeout=timeout, input=stdin)


def build_shared_demo(root: Path) -> SharedDemo:
    """The session's demo under ``root`` (shared by the xdist workers), built once under a lock."""
    home, done = root / "shared_demo_home", root / "shared_demo_home.result"
    with open(root / "shared_demo_home.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            if home.exists():
                shutil.rmtree(home)
            result = cdw(home, "run", "--customers", str(CUSTOMERS))
            (root / "shared_demo_home.stdout").write_text(result.stdout)
            (root / "shared_demo_home.stderr").write_text(result.stderr)
            done.write_text(str(result.returncode))
    return SharedDemo(home, int(done.read_text()), (root / "shared_demo_home.stdout").read_text(),
                      (root / "shared_demo_home.stderr").read_text())


def copy_home(demo: SharedDemo, target: Path) -> Path:
    """A private copy of the shared home at ``target`` (which must not exist yet)."""
    demo.require_success()
    shutil.copytree(demo.home, target, symlinks=True, ignore=shutil.ignore_patterns("run.lock"))
    return target
