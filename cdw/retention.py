"""Access-request exports do not outlive their purpose.

``cdw privacy export`` writes a person's rows to ``<CDW_HOME>/privacy/exports/<request_id>/`` for
the requester. Those folders hold personal data, so they

* expire: :func:`purge_expired_exports` removes every export older than
  ``privacy.export_retention_days`` (``config/warehouse.yml``, default 30); the privacy commands call
  it first, and the run steps call it at the start of every run;
* go with the person: :func:`purge_subject_exports` removes the exports of a person being erased,
  found by the identifier hashes each export's ``manifest.json`` records (whichever identifier the
  access request used) or, for exports written before those hashes existed, by their content.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.config import warehouse_settings
from core.settings import Paths

MANIFEST = "manifest.json"


def exports_dir(paths: Paths) -> Path:
    """Where access-request exports go (one folder per request)."""
    return paths.home / "privacy" / "exports"


def export_expires_at(exported_at: datetime, retention_days: int | None = None) -> datetime:
    days = warehouse_settings().privacy.export_retention_days if retention_days is None else retention_days
    return exported_at + timedelta(days=days)


def _exported_at(folder: Path) -> datetime:
    """When the export was written: its manifest, else the folder's modification time."""
    try:
        stamp = json.loads((folder / MANIFEST).read_text())["exported_at"]
        moment = datetime.fromisoformat(stamp)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (OSError, ValueError, KeyError, TypeError):
        return datetime.fromtimestamp(folder.stat().st_mtime, UTC)


def _exports(paths: Paths) -> list[Path]:
    root = exports_dir(paths)
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def _remove(folder: Path) -> bool:
    shutil.rmtree(folder, ignore_errors=True)
    return not folder.exists()


def purge_expired_exports(paths: Paths, retention_days: int | None = None, now: datetime | None = None) -> list[Path]:
    """Delete exports older than the retention (default: ``privacy.export_retention_days``); returns them."""
    now = now or datetime.now(UTC)
    return [folder for folder in _exports(paths)
            if export_expires_at(_exported_at(folder), retention_days) <= now and _remove(folder)]


def _manifest_hashes(folder: Path) -> set[str]:
    try:
        return set(json.loads((folder / MANIFEST).read_text()).get("subject_hashes", []))
    except (OSError, ValueError, AttributeError):
        return set()


def _holds(folder: Path, pattern: re.Pattern[bytes]) -> bool:
    return any(pattern.search(p.read_bytes()) for p in folder.rglob("*") if p.is_file())


def purge_subject_exports(paths: Paths, subject_hashes: Iterable[str],
                          pattern: re.Pattern[bytes] | None = None) -> list[Path]:
    """Delete every export of the person: same identifier hash in the manifest, or (``pattern``) same content."""
    wanted = set(subject_hashes)
    return [folder for folder in _exports(paths)
            if (_manifest_hashes(folder) & wanted or (pattern is not None and _holds(folder, pattern)))
            and _remove(folder)]
